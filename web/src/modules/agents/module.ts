// Agents: the gallery and roster, an agent's page (overview, persona & manual, tools, memory,
// daily log, dialogue, runs, costs) and "My day". The one inbox lives at /approvals (rules module).
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Agents = lazy(() => import('./Agents'));
const AgentPage = lazy(() => import('./AgentPage'));
const MyDay = lazy(() => import('./MyDay'));

export default defineWebModule({
  id: 'agents',
  routes: [
    { path: '/agents', component: Agents },
    { path: '/agents/:id', component: AgentPage },
    { path: '/my-day', component: MyDay },
  ],
  nav: [
    { to: '/my-day', labelKey: 'nav.myDay', paletteKey: 'palette.page./my-day', icon: '☀', order: 12, match: /^(my ?day|ma journ[ée]e|ny androko)$/ },
    { to: '/agents', labelKey: 'nav.agents', paletteKey: 'palette.page./agents', icon: '◎', order: 65, match: /^(agents?( ia)?|mpiasa ai)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
