// AI: Settings → AI (providers and keys, alias routing, prices, privacy and cache, budget, usage).
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Ai = lazy(() => import('./Ai').then((m) => ({ default: m.Ai })));

export default defineWebModule({
  id: 'ai',
  nav: [
    { to: '/settings/ai', labelKey: 'nav.ai', paletteKey: 'palette.page./settings/ai', icon: '✦', order: 90, match: /^(ai|ia|ai settings|parametres ia|fikirana ai)$/ },
  ],
  settings: [{ id: 'ai', labelKey: 'settings.tab.ai', order: 40, component: Ai }],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
