// Notifications: English.
// The reference for fr.ts and mg.ts beside it (same keys, same {{placeholders}}: i18n.test.ts
// checks). Merged at start with the shared strings (web/src/i18n) and the other modules'; a key is
// defined in one place only.
const en = {
  nav: { notifications: 'Notifications' },
  palette: { page: { '/notifications': 'Notifications' } },
  notifications: {"title": "Notifications", "bell": "Latest notifications", "bellUnread": "Latest notifications: {{n}} unread", "unread": "unread", "unreadCount": "{{n}} unread", "markRead": "Mark read", "markReadOf": "Mark “{{name}}” read", "markAll": "Mark all read", "allReadToast": "All marked read.", "none": "No notifications.", "seeAll": "See all notifications", "open": "Open", "unreadOnly": "Unread only"},
};

export default en;
