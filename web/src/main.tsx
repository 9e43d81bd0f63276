// Boot: preferences, language (loading French or Malagasy if needed), then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n } from './i18n';
import { applyPrefs } from './lib/prefs';
import { MODULES } from './modules';
import './styles.css';

applyPrefs();
await initI18n(MODULES.map((m) => m.messages));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
