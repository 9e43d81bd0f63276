// Encryption at rest for secrets the server must read back (TOTP seeds, provider keys,
// webhook secrets): AES-256-GCM from node:crypto. The key is ATRIUM_SECRET_KEY; without
// it, a random key is created once and kept in the database — fine for a laptop, not for
// production (a database dump would then hold both), which is why start-up warns.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from './db/index.js';

const VERSION = 'v1';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Any string works as ATRIUM_SECRET_KEY; it is stretched to 32 bytes with SHA-256. */
export const keyFrom = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export async function loadSecretBox(db: Db, configured: string | undefined, log: Logger): Promise<SecretBox> {
  if (configured) return new SecretBox(keyFrom(configured));
  const generated = randomBytes(32).toString('base64url');
  // system: the key is the platform's, read before any tenant is known (no tenant_id, no RLS).
  const row = await db.systemTx(async (tx) => {
    await tx.insertInto('platform_secrets').values({ name: 'encryption_key', value: generated }).onConflict((oc) => oc.doNothing()).execute();
    return tx.selectFrom('platform_secrets').select('value').where('name', '=', 'encryption_key').executeTakeFirstOrThrow();
  });
  if (db.kind === 'postgres') log.warn('ATRIUM_SECRET_KEY is not set: using a key stored in the database. Set it in production.');
  return new SecretBox(keyFrom(row.value));
}
