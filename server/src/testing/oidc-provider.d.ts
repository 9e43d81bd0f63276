// oidc-provider ships no type declarations; this covers the little the OIDC test uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

  export type AccountClaims = Record<string, unknown> & { sub: string };
  export type Account = { accountId: string; claims(use: string, scope: string): AccountClaims | Promise<AccountClaims> };
  export type ClientMetadata = {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
  };
  export type Configuration = {
    clients?: ClientMetadata[];
    findAccount?: (ctx: unknown, id: string) => Account | undefined | Promise<Account | undefined>;
    claims?: Record<string, string[]>;
    features?: Record<string, { enabled: boolean }>;
    cookies?: { keys?: string[] };
    jwks?: { keys: object[] };
    pkce?: { required?: () => boolean };
    [key: string]: unknown;
  };

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): RequestListener<typeof IncomingMessage, typeof ServerResponse>;
    listen(port: number, host: string): Server;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default Provider;
}
