import type { ColumnType } from 'kysely';
import type { CreatedAt } from '../../platform/schema.js';

export type Role = 'owner' | 'admin' | 'member' | 'viewer' | 'integration';
export type Plan = 'free' | 'pro' | 'enterprise';

export interface IdentityTables {
  tenants: { id: string; name: string; plan: Plan; is_demo: ColumnType<boolean, boolean | undefined>; created_at: CreatedAt };
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string | null;
    platform_role: 'operator' | null;
    email_verified: ColumnType<boolean, boolean | undefined>;
    created_at: CreatedAt;
  };
  memberships: { tenant_id: string; user_id: string; role: Role; created_at: CreatedAt };
  auth_tokens: {
    id: string;
    tenant_id: string;
    user_id: string | null;
    kind: 'session' | 'api_key';
    name: string | null;
    token_hash: string;
    scopes: string[];
    expires_at: Date | null;
    revoked_at: Date | null;
    last_used_at: Date | null;
    step_up_at: Date | null;
    created_by: string | null;
    created_at: CreatedAt;
  };
  stream_tickets: { ticket_hash: string; tenant_id: string; token_id: string; expires_at: Date; used_at: Date | null };
  user_totp: { user_id: string; secret_enc: string; enabled_at: Date | null; last_time_step: number | null; created_at: CreatedAt };
  recovery_codes: { id: string; user_id: string; code_hash: string; used_at: Date | null };
  invitations: {
    id: string;
    tenant_id: string;
    email: string;
    role: Exclude<Role, 'owner'>;
    token_hash: string;
    invited_by: string;
    expires_at: Date;
    accepted_at: Date | null;
    revoked_at: Date | null;
    created_at: CreatedAt;
  };
  auth_failures: { key: string; failures: number; locked_until: Date | null; updated_at: ColumnType<Date, Date | undefined, Date> };
  oidc_login_states: { state: string; code_verifier: string; nonce: string; redirect_path: string; created_at: CreatedAt };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends IdentityTables {}
}
