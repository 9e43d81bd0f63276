// Boot: preferences, language (loading French or Malagasy if needed), then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n } from './i18n';
import { applyPrefs } from './lib/prefs';
import './styles.css';

applyPrefs();
await initI18n();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
