// Two-factor authentication with TOTP (otplib): enrolment with an otpauth URI and a QR
// code, confirmation, recovery codes (shown once, stored hashed), replay protection
// (a code's time step is accepted once), and the step-up that sensitive actions need.
// otplib and qrcode are imported at first use (~10 MB resident that a process where nobody
// uses two-factor authentication never needs: README, embedded mode).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { SecretBox } from '../../platform/secrets.js';
import { hashToken } from './tokens.js';

export const STEP_UP_WINDOW_MS = 10 * 60 * 1000;
const PERIOD = 30;
const RECOVERY_CODES = 10;
const ISSUER = 'Atrium';

export type LoginCheck = 'not_enrolled' | 'ok' | 'missing' | 'invalid';

const normaliseRecovery = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

function newRecoveryCode(): string {
  const raw = randomBytes(8).toString('hex'); // 16 hex chars, shown as xxxx-xxxx-xxxx-xxxx
  return raw.match(/.{4}/g)!.join('-');
}

export function createTotp(db: Db, secrets: () => SecretBox) {
  async function enrolment(userId: string) {
    // system: 2FA is the user's, not a tenant's (user_totp and recovery_codes have no tenant_id,
    // one enrolment covers every workspace); only atrium_system is granted them.
    return db.systemTx((tx) => tx.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst());
  }

  /** Checks a 6-digit code, refusing a time step already used (replay). Returns the step on success. */
  async function checkCode(userId: string, code: string): Promise<boolean> {
    const row = await enrolment(userId);
    if (!row || !/^\d{6}$/.test(code.trim())) return false;
    const { verify } = await import('otplib');
    const result = await verify({
      secret: secrets().open(row.secret_enc),
      token: code.trim(),
      epochTolerance: PERIOD,
      afterTimeStep: row.last_time_step ?? undefined,
    });
    if (!result.valid) return false;
    // The step that matched (recomputing it from a later clock reading could be one too far
    // across a step boundary, refusing the next good code).
    const step = 'timeStep' in result ? result.timeStep : Math.floor(Date.now() / 1000 / PERIOD) + result.delta;
    // Conditional update: two concurrent uses of one code cannot both win.
    // system: 2FA rows are per user, not per tenant (see enrolment).
    const updated = await db.systemTx((tx) =>
      tx
        .updateTable('user_totp')
        .set({ last_time_step: step })
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('last_time_step', 'is', null), eb('last_time_step', '<', step)]))
        .executeTakeFirst(),
    );
    return Number(updated.numUpdatedRows) === 1;
  }

  async function useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const digest = hashToken(normaliseRecovery(code));
    // system: 2FA rows are per user, not per tenant (see enrolment).
    const used = await db.systemTx((tx) =>
      tx
        .updateTable('recovery_codes')
        .set({ used_at: sql`now()` })
        .where('user_id', '=', userId)
        .where('code_hash', '=', digest)
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    );
    return Number(used.numUpdatedRows) === 1;
  }

  return {
    async isEnabled(userId: string): Promise<boolean> {
      return !!(await enrolment(userId))?.enabled_at;
    },

    /** Starts (or restarts) enrolment; 2FA is not on until `confirm` gets a valid code. */
    async setup(userId: string, email: string) {
      const current = await enrolment(userId);
      if (current?.enabled_at) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'Two-factor authentication is already on; disable it first.');
      const [{ generateSecret, generateURI }, { default: QRCode }] = await Promise.all([import('otplib'), import('qrcode')]);
      const secret = generateSecret();
      const uri = generateURI({ issuer: ISSUER, label: email, secret, period: PERIOD });
      // system: 2FA rows are per user, not per tenant (see enrolment).
      await db.systemTx((tx) =>
        tx
          .insertInto('user_totp')
          .values({ user_id: userId, secret_enc: secrets().seal(secret), enabled_at: null, last_time_step: null })
          .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_enc: secrets().seal(secret), enabled_at: null, last_time_step: null }))
          .execute(),
      );
      return { secret, otpauth_uri: uri, qr_svg: await QRCode.toString(uri, { type: 'svg', margin: 1 }), qr_data_url: await QRCode.toDataURL(uri) };
    },

    /** Confirms enrolment with a first code; returns the recovery codes (the only time they are shown). */
    async confirm(userId: string, code: string): Promise<string[]> {
      const row = await enrolment(userId);
      if (!row) throw new AppError('TOTP_NOT_STARTED', 409, 'Start two-factor setup first.');
      if (row.enabled_at) throw new AppError('TOTP_ALREADY_ENABLED', 409, 'Two-factor authentication is already on.');
      if (!(await checkCode(userId, code))) throw new AppError('INVALID_TOTP', 400, 'That code is not valid.', [{ path: 'body.code', message: 'invalid code' }]);
      const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
      // system: 2FA rows are per user, not per tenant (see enrolment).
      await db.systemTx(async (tx) => {
        await tx.updateTable('user_totp').set({ enabled_at: sql`now()` }).where('user_id', '=', userId).execute();
        await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await tx.insertInto('recovery_codes').values(codes.map((c) => ({ id: newId('rec'), user_id: userId, code_hash: hashToken(normaliseRecovery(c)), used_at: null }))).execute();
      });
      return codes;
    },

    async disable(userId: string, code: string): Promise<void> {
      if (!(await this.isEnabled(userId))) throw new AppError('TOTP_NOT_ENABLED', 409, 'Two-factor authentication is not on.');
      const ok = (await checkCode(userId, code)) || (await useRecoveryCode(userId, code));
      if (!ok) throw new AppError('INVALID_TOTP', 400, 'That code is not valid.', [{ path: 'body.code', message: 'invalid code' }]);
      // system: 2FA rows are per user, not per tenant (see enrolment).
      await db.systemTx(async (tx) => {
        await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await tx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
      });
    },

    /** At login: a 6-digit code or a recovery code when 2FA is on. */
    async checkAtLogin(userId: string, code: string | undefined): Promise<LoginCheck> {
      if (!(await this.isEnabled(userId))) return 'not_enrolled';
      if (!code) return 'missing';
      return (await checkCode(userId, code)) || (await useRecoveryCode(userId, code)) ? 'ok' : 'invalid';
    },

    /** Marks this session as freshly verified (step-up) after a valid code. */
    async stepUp(principal: Principal, code: string): Promise<Date> {
      if (!principal.userId || !(await this.isEnabled(principal.userId))) throw new AppError('TOTP_NOT_ENABLED', 409, 'Two-factor authentication is not on.');
      if (!(await checkCode(principal.userId, code))) throw new AppError('INVALID_TOTP', 400, 'That code is not valid.', [{ path: 'body.code', message: 'invalid code' }]);
      const at = new Date();
      await db.tenantTx(principal.tenantId, (tx) => tx.updateTable('auth_tokens').set({ step_up_at: at }).where('id', '=', principal.tokenId).execute());
      return at;
    },

    /** Sensitive actions: a user with 2FA must have verified a code in the last 10 minutes. */
    async requireFreshStepUp(principal: Principal): Promise<void> {
      if (principal.kind !== 'session' || !principal.userId) return;
      if (!(await this.isEnabled(principal.userId))) return;
      const fresh = principal.stepUpAt && Date.now() - principal.stepUpAt.getTime() < STEP_UP_WINDOW_MS;
      if (!fresh) throw new AppError('STEP_UP_REQUIRED', 403, 'Confirm it is you: enter a code from your authenticator app (POST /v1/auth/step-up).');
    },
  };
}

export type TotpService = ReturnType<typeof createTotp>;
