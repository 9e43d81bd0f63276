// Passwords: argon2id hashes (@node-rs/argon2, constant-time verify) and a strength
// policy — a minimum length and zxcvbn's dictionaries of the most common passwords. The
// dictionaries are loaded at the first strength check, not at start (~13 MB resident that
// a process which never sets a password does not need: README, embedded mode); concurrent
// first checks share one load, a failed load is retried by the next check.
import { hash, verify } from '@node-rs/argon2';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { errors } from '../../platform/errors.js';

let strength: Promise<ZxcvbnFactory> | null = null;

function strengthChecker(): Promise<ZxcvbnFactory> {
  strength ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(
    ([{ ZxcvbnFactory }, common]) => new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs }),
    (err: unknown) => {
      strength = null;
      throw err;
    },
  );
  return strength;
}

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 256;

export async function assertStrongPassword(password: string, userInputs: string[] = []): Promise<void> {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`use at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) problems.push(`use at most ${MAX_PASSWORD_LENGTH} characters`);
  if (problems.length === 0) {
    const result = await (await strengthChecker()).check(password, userInputs);
    const whollyCommon = result.sequence.some(
      (m) => m.pattern === 'dictionary' && m.token.length === password.length && String(m.dictionaryName).startsWith('passwords'),
    );
    if (whollyCommon) problems.push('this is one of the most common passwords');
    else if (result.score < 2) problems.push('too easy to guess; add words or characters');
  }
  if (problems.length > 0) {
    throw errors.validation(problems.map((message) => ({ path: 'body.password', message })));
  }
}

export const hashPassword = (password: string): Promise<string> => hash(password);

// A real hash of a random password: verifying against it costs what a real check costs,
// so an unknown email answers in the same time as a wrong password.
let decoy: Promise<string> | null = null;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hash(`decoy-${Math.random()}-${Date.now()}`);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
