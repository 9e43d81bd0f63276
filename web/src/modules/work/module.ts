// Work (Flow OS): the Pulse, workflows (list, new, page with list/board/history), tasks, the
// department canvas.
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Pulse = lazy(() => import('./pulse/Pulse'));
const Workflows = lazy(() => import('./workflows/WorkflowList'));
const NewWorkflow = lazy(() => import('./workflows/NewWorkflow'));
const WorkflowPage = lazy(() => import('./workflows/WorkflowPage'));
const Tasks = lazy(() => import('./tasks/Tasks'));
const Canvas = lazy(() => import('./canvas/Canvas'));

export default defineWebModule({
  id: 'work',
  routes: [
    { path: '/', component: Pulse },
    { path: '/workflows', component: Workflows },
    { path: '/workflows/new', component: NewWorkflow },
    { path: '/workflows/:id', component: WorkflowPage },
    { path: '/tasks', component: Tasks },
    { path: '/canvas', component: Canvas },
  ],
  nav: [
    { to: '/', labelKey: 'nav.pulse', paletteKey: 'palette.page./', icon: '◉', order: 10, match: /^(dashboard|pulse|home|tableau de bord|accueil|tabilao)$/ },
    { to: '/workflows', labelKey: 'nav.workflows', paletteKey: 'palette.page./workflows', icon: '▤', order: 20, match: /^(workflows?|flux|fizotran'?asa)$/ },
    { to: '/tasks', labelKey: 'nav.tasks', paletteKey: 'palette.page./tasks', icon: '☑', order: 30, match: /^(tasks|taches|asa)$/ },
    { to: '/canvas', labelKey: 'nav.canvas', paletteKey: 'palette.page./canvas', icon: '⬡', order: 40, match: /^(canvas|departments?|departements?|sampana)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
