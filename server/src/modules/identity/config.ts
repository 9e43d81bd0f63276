// Identity's configuration section: OpenID Connect sign-in (on when issuer and client id are set).
import { z } from 'zod';
import { defineConfig } from '../../platform/config.js';

export type OidcSettings = { issuer: string; clientId: string; clientSecret: string | undefined; label: string };

export type IdentityConfig = {
  /** OIDC sign-in ("Sign in with Google/Microsoft/…"); undefined when not configured. */
  oidc: OidcSettings | undefined;
};

export const IDENTITY_CONFIG = defineConfig(
  {
    ATRIUM_OIDC_ISSUER: z.string().url().optional(),
    ATRIUM_OIDC_CLIENT_ID: z.string().optional(),
    ATRIUM_OIDC_CLIENT_SECRET: z.string().optional(),
    ATRIUM_OIDC_LABEL: z.string().default('Single sign-on'),
  },
  (c): IdentityConfig => ({
    oidc: c.ATRIUM_OIDC_ISSUER && c.ATRIUM_OIDC_CLIENT_ID
      ? { issuer: c.ATRIUM_OIDC_ISSUER, clientId: c.ATRIUM_OIDC_CLIENT_ID, clientSecret: c.ATRIUM_OIDC_CLIENT_SECRET, label: c.ATRIUM_OIDC_LABEL }
      : undefined,
  }),
);

declare module '../../platform/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AtriumConfig extends IdentityConfig {}
}
