// The events of notifications (namespace notifications).
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

export const NOTIFICATION_EVENTS: EventCatalogue = {
  'notification.sent': {
    entity: 'notification', summary: 'A person was notified (in the app, and by email when configured)',
    after: fields({ user_id: z.string(), title: z.string(), body: z.string(), link: z.string().nullable(), entity_type: z.string().nullable(), entity_id: z.string().nullable() }),
    // Title, body and link are the recipient's alone: others see that someone was notified, not what.
    personal: { owner: 'after.user_id', fields: ['title', 'body', 'link'] },
  },
  'notification.read': { entity: 'notification', summary: 'A person read a notification', before: fields({ read_at: z.null() }), after: fields({ read_at: z.string() }) },
};
