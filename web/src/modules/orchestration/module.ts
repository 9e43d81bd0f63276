// Orchestration: flows (definitions as a graph, versions, validation, publishing) and their
// runs (live journal, approvals, cancel, replay, fork). Distinct from Work's "Workflows".
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const FlowList = lazy(() => import('./FlowList'));
const NewFlow = lazy(() => import('./NewFlow'));
const FlowPage = lazy(() => import('./FlowPage'));
const RunList = lazy(() => import('./RunList'));
const RunPage = lazy(() => import('./RunPage'));

export default defineWebModule({
  id: 'orchestration',
  routes: [
    { path: '/flows', component: FlowList },
    { path: '/flows/new', component: NewFlow },
    { path: '/flows/:key', component: FlowPage },
    { path: '/runs', component: RunList },
    { path: '/runs/:id', component: RunPage },
  ],
  nav: [
    { to: '/flows', labelKey: 'nav.flows', paletteKey: 'palette.page./flows', icon: '⇶', order: 25, match: /^(flows?|fizotra)$/ },
    { to: '/runs', labelKey: 'nav.runs', paletteKey: 'palette.page./runs', icon: '▶', order: 26, match: /^(runs?|executions?|fandehanana)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
