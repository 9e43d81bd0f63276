// Notifications: French.
import type en from './en';

const fr: typeof en = {
  nav: { notifications: 'Notifications' },
  palette: { page: { '/notifications': 'Notifications' } },
  notifications: {"title": "Notifications", "bell": "Dernières notifications", "bellUnread": "Dernières notifications : {{n}} non lues", "unread": "non lue", "unreadCount": "{{n}} non lues", "markRead": "Marquer comme lue", "markReadOf": "Marquer « {{name}} » comme lue", "markAll": "Tout marquer comme lu", "allReadToast": "Tout est marqué comme lu.", "none": "Aucune notification.", "seeAll": "Voir toutes les notifications", "open": "Ouvrir", "unreadOnly": "Non lues seulement"},
};

export default fr;
