// Resource shapes of the Atrium API v1 (shared/design/API.md), as clients see them.
import type { Item, QueryParams, RequestBody, ResponseData } from './contract.js';
import type { components } from './openapi.js';

export type { Json } from './contract.js';
export type { ApiMethod, ApiPath, Item, QueryParams, RequestBody, ResponseData } from './contract.js';
export type Sentiment = Annotation['sentiment'];
export type ActorType = Diff['actor']['type'];

export type Meta = components['schemas']['Meta'];
export type ApiErrorBody = { code: string; message: string; details: Array<{ path?: string; message: string; [k: string]: unknown }> };
export type EnvelopeOf<T> = { data: T; meta: Meta; error: null } | { data: null; meta: Meta; error: ApiErrorBody };

// Resources and request bodies are read out of the generated OpenAPI types (openapi.ts,
// `npm run gen:sdk`): the route's zod schema on the server is their only definition.
export type Annotation = Item<ResponseData<'/v1/diffs/{id}/annotations', 'get'>>;
export type Diff = ResponseData<'/v1/diffs/{id}', 'get'>;
export type AnnotationHit = Item<ResponseData<'/v1/annotations', 'get'>>;

/** `since`/`until` are ISO timestamps (the server's schema coerces them, so the document cannot say). */
export type DiffFilters = Omit<QueryParams<'/v1/diffs', 'get'>, 'limit' | 'cursor' | 'since' | 'until'> & { since?: string; until?: string };

export type NewDiff = RequestBody<'/v1/diffs', 'post'>;
export type ReplayedState = ResponseData<'/v1/entities/{type}/{id}/state', 'get'>;
export type Page<T> = { items: T[]; nextCursor: string | undefined };

// Identity (sign-up, sessions, 2FA, members, API keys).
export type Role = Member['role'];
export type Plan = Tenant['plan'];
export type UserRef = Session['user'];
export type TenantRef = Session['tenant'];

/** A new session: the token (also set as an HttpOnly cookie) and the CSRF token for cookie clients. */
export type Session = ResponseData<'/v1/auth/login', 'post'>;
export type SignupInput = RequestBody<'/v1/auth/signup', 'post'>;
export type LoginInput = RequestBody<'/v1/auth/login', 'post'>;
export type Me = ResponseData<'/v1/me', 'get'>;
export type TotpSetup = ResponseData<'/v1/auth/totp/setup', 'post'>;

export type Member = Item<ResponseData<'/v1/members', 'get'>>;
export type Invitation = Item<ResponseData<'/v1/invitations', 'get'>>;
/** Without SMTP the link (and its token) is returned this once, for the inviter to pass on. */
export type InvitationCreated = ResponseData<'/v1/members', 'post'>;
/** `totp_code` when the existing account has 2FA. */
export type AcceptInvitationInput = RequestBody<'/v1/invitations/accept', 'post'>;
export type InvitationPreview = ResponseData<'/v1/invitations/preview', 'post'>;
/** `token` is null for integration members: they use API keys and never get a session. */
export type AcceptedInvitation = ResponseData<'/v1/invitations/accept', 'post'>;

export type ApiKey = Item<ResponseData<'/v1/api-keys', 'get'>>;
export type NewApiKey = RequestBody<'/v1/api-keys', 'post'>;
/** The key itself is in this response only. */
export type CreatedApiKey = ResponseData<'/v1/api-keys', 'post'>;

export type AuthProviders = ResponseData<'/v1/auth/providers', 'get'>;
export type Tenant = ResponseData<'/v1/tenant', 'get'>;
