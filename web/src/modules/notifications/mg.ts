// Notifications: Malagasy.
import type en from './en';

const mg: typeof en = {
  nav: { notifications: 'Fampandrenesana' },
  palette: { page: { '/notifications': 'Fampandrenesana' } },
  notifications: {"title": "Fampandrenesana", "bell": "Fampandrenesana farany", "bellUnread": "Fampandrenesana farany: {{n}} tsy voavaky", "unread": "tsy voavaky", "unreadCount": "{{n}} tsy voavaky", "markRead": "Mariho ho voavaky", "markReadOf": "Mariho ho voavaky “{{name}}”", "markAll": "Mariho ho voavaky daholo", "allReadToast": "Voamarika ho voavaky daholo.", "none": "Tsy misy fampandrenesana.", "seeAll": "Jereo ny fampandrenesana rehetra", "open": "Sokafy", "unreadOnly": "Ireo tsy voavaky ihany"},
};

export default mg;
