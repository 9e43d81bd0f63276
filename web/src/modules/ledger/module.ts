// Ledger: the audit log (filters, search of the whys, diff viewer, export) and replay.
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Audit = lazy(() => import('./Audit'));

export default defineWebModule({
  id: 'ledger',
  routes: [{ path: '/audit', component: Audit }],
  nav: [
    { to: '/audit', labelKey: 'nav.audit', paletteKey: 'palette.page./audit', icon: '⌕', order: 50, match: /^(audit( log)?|journal( d'audit)?|diary|diarin'?ny fanovana)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
