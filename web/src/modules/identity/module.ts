// Identity: sign-in, sign-up, accepting an invitation, and Settings (organization, members,
// API keys, two-factor, preferences; other modules add tabs through their `settings`).
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Login = lazy(() => import('./auth/Login'));
const Signup = lazy(() => import('./auth/Signup'));
const AcceptInvitation = lazy(() => import('./auth/AcceptInvitation'));
const Settings = lazy(() => import('./settings/Settings'));

export default defineWebModule({
  id: 'identity',
  routes: [
    { path: '/login', component: Login, session: 'signed-out' },
    { path: '/signup', component: Signup, session: 'signed-out' },
    { path: '/accept-invitation', component: AcceptInvitation, session: 'any' },
    { path: '/settings', component: Settings },
    { path: '/settings/:tab', component: Settings },
  ],
  nav: [
    { to: '/settings', labelKey: 'nav.settings', paletteKey: 'palette.page./settings', icon: '⚙', order: 100, match: /^(settings|preferences|parametres|reglages|fikirana)$/ },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
