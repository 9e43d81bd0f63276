// Rules: the rules (builder, simulation, runs, webhook deliveries, packs) and approvals.
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Rules = lazy(() => import('./rules/Rules'));
const Approvals = lazy(() => import('./approvals/Approvals'));

export default defineWebModule({
  id: 'rules',
  routes: [
    { path: '/rules', component: Rules },
    { path: '/approvals', component: Approvals },
    { path: '/approvals/:id', component: Approvals },
  ],
  nav: [
    { to: '/rules', labelKey: 'nav.rules', paletteKey: 'palette.page./rules', icon: '⚡', order: 60, match: /^(rules?|regles?|fitsipika)$/ },
    {
      to: '/approvals', labelKey: 'nav.approvals', paletteKey: 'palette.page./approvals', icon: '✓', order: 70,
      badge: { count: 'pending', labelKey: 'approvals.pendingCount' }, match: /^(approvals?|approbations?|fankatoavana)$/,
    },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
