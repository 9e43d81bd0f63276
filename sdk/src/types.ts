// Resource shapes of the Atrium API v1 (shared/design/API.md), as clients see them.
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Sentiment = -1 | 0 | 1;
export type ActorType = 'user' | 'agent' | 'rule' | 'system' | 'api_key';

export type Meta = { request_id: string; timestamp: string; next_cursor?: string; [k: string]: unknown };
export type ApiErrorBody = { code: string; message: string; details: Array<{ path?: string; message: string; [k: string]: unknown }> };
export type EnvelopeOf<T> = { data: T; meta: Meta; error: null } | { data: null; meta: Meta; error: ApiErrorBody };

export type Annotation = {
  id: string;
  diff_id: string;
  why: string;
  sentiment: Sentiment;
  author: { type: string; id: string };
  author_id: string;
  created_at: string;
};

export type Diff = {
  id: string;
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  before: Json | null;
  after: Json | null;
  metadata: Record<string, Json>;
  actor: { type: ActorType; id: string };
  causation_id: string | null;
  correlation_id: string | null;
  created_at: string;
  annotations: Annotation[];
};

export type AnnotationHit = Annotation & {
  rank: number;
  diff: { id: string; namespace: string; entity_type: string; entity_id: string; event: string };
};

export type DiffFilters = {
  namespace?: string;
  entity_type?: string;
  entity_id?: string;
  event?: string;
  actor_id?: string;
  since?: string;
  until?: string;
};

export type NewDiff = {
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  before?: Json | null;
  after?: Json | null;
  metadata?: Record<string, Json>;
  why?: string;
  sentiment?: Sentiment;
  causation_id?: string;
  correlation_id?: string;
};

export type ReplayedState = { state: Json | null; at: string; as_of_diff_id: string | null };
export type Page<T> = { items: T[]; nextCursor: string | undefined };

// Identity (sign-up, sessions, 2FA, members, API keys).
export type Role = 'owner' | 'admin' | 'member' | 'viewer' | 'integration';
export type Plan = 'free' | 'pro' | 'enterprise';
export type UserRef = { id: string; email: string; name: string };
export type TenantRef = { id: string; name: string; plan: string };

/** A new session: the token (also set as an HttpOnly cookie) and the CSRF token for cookie clients. */
export type Session = { token: string; csrf_token: string; user: UserRef; tenant: TenantRef; role: Role };
export type SignupInput = { organization: string; name: string; email: string; password: string };
export type LoginInput = { email: string; password: string; totp_code?: string; tenant_id?: string };

export type Me = {
  user: (UserRef & { totp_enabled: boolean }) | null;
  tenant: TenantRef;
  role: Role | null;
  scopes: string[];
  auth: { kind: 'session' | 'api_key'; token_id: string; step_up_at: string | null };
  platform_role: 'operator' | null;
};

export type TotpSetup = { secret: string; otpauth_uri: string; qr_svg: string; qr_data_url: string };

export type Member = { id: string; user_id: string; email: string; name: string; role: Role; joined_at: string };
export type Invitation = {
  id: string;
  email: string;
  role: Role;
  invited_by: string;
  expires_at: string;
  created_at: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
};
/** Without SMTP the link (and its token) is returned this once, for the inviter to pass on. */
export type InvitationCreated = { invitation: Invitation; email_sent: boolean; accept_url?: string; token?: string };
export type AcceptInvitationInput = { token: string; name?: string; password: string; /** when the existing account has 2FA */ totp_code?: string };
/** `token` is null for integration members: they use API keys and never get a session. */
export type AcceptedInvitation = { token: string | null; user: UserRef; tenant: TenantRef; role: Role };

export type ApiKey = {
  id: string;
  name: string;
  scopes: string[];
  created_at: string;
  created_by: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
};
export type NewApiKey = { name: string; scopes: string[]; expires_in_days?: number };
/** The key itself is in this response only. */
export type CreatedApiKey = ApiKey & { key: string };

export type AuthProviders = { password: true; oidc: { enabled: boolean; label: string | null; start_url: string | null } };
export type Tenant = TenantRef & { created_at: string };
