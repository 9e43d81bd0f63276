// zod shapes for identity requests and responses (validation + OpenAPI).
import { z } from 'zod';

export const emailSchema = z.email().max(254);
export const personName = z.string().trim().min(1).max(120);
export const roleSchema = z.enum(['owner', 'admin', 'member', 'viewer', 'integration']);
export const totpCode = z.string().trim().min(6).max(24);

export const sessionSchema = z.object({
  token: z.string(),
  csrf_token: z.string(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  tenant: z.object({ id: z.string(), name: z.string(), plan: z.string() }),
  role: roleSchema,
});

export const meSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), totp_enabled: z.boolean() }).nullable(),
  tenant: z.object({ id: z.string(), name: z.string(), plan: z.string() }),
  role: roleSchema.nullable(),
  scopes: z.array(z.string()),
  auth: z.object({ kind: z.enum(['session', 'api_key']), token_id: z.string(), step_up_at: z.string().nullable() }),
  platform_role: z.enum(['operator']).nullable(),
});

export const memberSchema = z.object({ id: z.string(), user_id: z.string(), email: z.string(), name: z.string(), role: roleSchema, joined_at: z.string() });
export const invitationSchema = z.object({
  id: z.string(), email: z.string(), role: roleSchema, invited_by: z.string(), expires_at: z.string(), created_at: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
});
export const apiKeySchema = z.object({
  id: z.string(), name: z.string(), scopes: z.array(z.string()), created_at: z.string(), created_by: z.string().nullable(),
  last_used_at: z.string().nullable(), expires_at: z.string().nullable(), revoked_at: z.string().nullable(),
});
export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const whyField = { why: z.string().trim().min(1).max(5000).optional() };
