// Knowledge: notebooks of documents (upload, web addresses, parsing progress), search across
// them, answers that cite their passages, brief, Q&A and source map, and the passage view.
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Notebooks = lazy(() => import('./Notebooks'));
const NotebookPage = lazy(() => import('./NotebookPage'));
const Passages = lazy(() => import('./Passages'));

export default defineWebModule({
  id: 'knowledge',
  routes: [
    { path: '/knowledge', component: Notebooks },
    { path: '/knowledge/notebooks/:id', component: NotebookPage },
    { path: '/knowledge/notebooks/:id/sources/:sourceId', component: Passages },
  ],
  nav: [
    { to: '/knowledge', labelKey: 'nav.knowledge', paletteKey: 'palette.page./knowledge', icon: '❏', order: 68, match: /^(knowledge|notebooks?|savoirs?|carnets?|fahalalana|kahie)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
