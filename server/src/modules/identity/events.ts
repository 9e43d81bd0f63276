// The events of identity (namespace identity): workspaces, people, access.
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

const role = z.enum(['owner', 'admin', 'member', 'viewer', 'integration']);
const session = fields({ user_id: z.string(), method: z.string(), two_factor: z.boolean() });
const ip = fields({ ip: z.string().nullable() });
const tenant = fields({ id: z.string(), name: z.string(), plan: z.string() });

export const IDENTITY_EVENTS: EventCatalogue = {
  'tenant.created': { entity: 'tenant', summary: 'A workspace was created', after: tenant },
  'tenant.updated': { entity: 'tenant', summary: 'The workspace’s name or plan changed', before: tenant, after: tenant },
  'user.created': { entity: 'user', summary: 'A person’s account was created', after: fields({ id: z.string(), email: z.string(), name: z.string() }) },
  'user.login_locked': { entity: 'user', summary: 'Sign-in was locked after repeated failures', after: fields({ failures: z.number(), locked_seconds: z.number() }), metadata: ip },
  'user.totp_enabled': { entity: 'user', summary: 'A person turned two-factor authentication on', after: fields({ totp_enabled: z.boolean() }) },
  'user.totp_disabled': { entity: 'user', summary: 'A person turned two-factor authentication off', after: fields({ totp_enabled: z.boolean() }) },
  'session.created': { entity: 'session', summary: 'A person signed in', after: session, metadata: ip },
  'session.revoked': { entity: 'session', summary: 'A session ended (sign-out)', after: fields({ reason: z.string() }) },
  'membership.created': { entity: 'membership', summary: 'A person joined the workspace', after: fields({ user_id: z.string(), email: z.string(), role }) },
  'membership.role_changed': { entity: 'membership', summary: 'A member’s role changed', before: fields({ role }), after: fields({ role }) },
  'membership.deleted': { entity: 'membership', summary: 'A member was removed', before: fields({ role }) },
  'invitation.created': { entity: 'invitation', summary: 'Someone was invited', after: fields({ email: z.string(), role }) },
  'invitation.revoked': { entity: 'invitation', summary: 'An invitation was withdrawn', after: fields({ revoked: z.boolean() }) },
  'api_key.created': { entity: 'api_key', summary: 'An API key was created', after: fields({ name: z.string(), scopes: z.array(z.string()) }) },
  'api_key.revoked': { entity: 'api_key', summary: 'An API key was revoked', after: fields({ revoked: z.boolean() }) },
};
