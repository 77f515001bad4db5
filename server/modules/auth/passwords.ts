import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** argon2id with parameters at or above OWASP's minimum (m=19 MiB, t=2, p=1). */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly parameters: Argon2Parameters) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** True when the stored hash was made with weaker parameters than today's. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.parameters);
  }

  /** Made at start, so even the first login for a missing account costs what a real one does. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash('tandem-timing-equaliser');
    await this.dummyHash;
  }

  /** Spends the same time as a real check, so a missing account cannot be told apart by timing. */
  async verifyAgainstNothing(password: string): Promise<false> {
    await this.warmUp();
    await this.verify(await this.dummyHash!, password);
    return false;
  }
}

const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));

/** The ~49,000 most common passwords from breach corpora (zxcvbn-ts's list), compared case-insensitively. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}
