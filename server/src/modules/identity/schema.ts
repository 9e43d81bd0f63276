import type { ColumnType } from 'kysely';
import type { CreatedAt } from '../../platform/schema.js';

export type Role = 'owner' | 'admin' | 'member' | 'viewer' | 'integration';
export type Plan = 'free' | 'pro' | 'enterprise';

export interface IdentityTables {
  tenants: { id: string; name: string; plan: Plan; is_demo: ColumnType<boolean, boolean | undefined>; created_at: CreatedAt };
  users: { id: string; email: string; name: string; password_hash: string | null; created_at: CreatedAt };
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
    created_at: CreatedAt;
  };
}
