// Notifications: the page (the bell in the top bar is ui/Bell, part of the shell).
import { lazy } from 'react';
import { defineWebModule } from '../../app/manifest';
import en from './en';

const Notifications = lazy(() => import('./Notifications'));

export default defineWebModule({
  id: 'notifications',
  routes: [{ path: '/notifications', component: Notifications }],
  nav: [
    {
      to: '/notifications', labelKey: 'nav.notifications', paletteKey: 'palette.page./notifications', icon: '✉', order: 80,
      badge: { count: 'unread', labelKey: 'notifications.unreadCount' }, match: /^(notifications?|fampandrenesana)$/,
    },
  ],
  messages: { en, fr: () => import('./fr'), mg: () => import('./mg') },
});
