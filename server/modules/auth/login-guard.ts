import { AppError } from '../../http/errors.js';
import type { AuthRepository } from './repository.js';

export const LOCKOUT = {
  perAddress: { failures: 10, windowMs: 15 * 60 * 1000 },
  perAccount: { failures: 100, windowMs: 60 * 60 * 1000 },
} as const;

/**
 * Brute-force protection that cannot be turned against the owner. Failures are counted per account
 * and client address, so an attacker only locks out their own address; the account-wide cap stops a
 * distributed attack but still admits addresses the owner has signed in from before.
 */
export class LoginGuard {
  constructor(private readonly repository: AuthRepository) {}

  /** `subject` is the account ("user:<id>") or, for a login that matches none, the login itself. */
  async assertAllowed(input: { subject: string; ip: string; userId: string | undefined; now: Date }): Promise<void> {
    const { subject, ip, now } = input;
    const perAddress = await this.repository.recentFailures({
      subject,
      ip,
      since: new Date(now.getTime() - LOCKOUT.perAddress.windowMs),
      limit: LOCKOUT.perAddress.failures,
    });
    if (perAddress.length >= LOCKOUT.perAddress.failures) {
      throw lockedOut(perAddress.at(-1)!, LOCKOUT.perAddress.windowMs, now, 'Too many failed sign-ins for this account from your address.');
    }
    const perAccount = await this.repository.recentFailures({
      subject,
      since: new Date(now.getTime() - LOCKOUT.perAccount.windowMs),
      limit: LOCKOUT.perAccount.failures,
    });
    if (perAccount.length >= LOCKOUT.perAccount.failures && !(input.userId && (await this.repository.isKnownAddress(input.userId, ip)))) {
      throw lockedOut(
        perAccount.at(-1)!,
        LOCKOUT.perAccount.windowMs,
        now,
        'This account is under a sign-in attack, so new addresses are paused. A device you have signed in from before still works.',
      );
    }
  }

  recordFailure(subject: string, ip: string): Promise<void> {
    return this.repository.recordLoginFailure(subject, ip);
  }

  async recordSuccess(input: { subject: string; userId: string; ip: string; now: Date }): Promise<void> {
    await this.repository.clearLoginFailures(input.subject, input.ip);
    await this.repository.rememberAddress(input.userId, input.ip, input.now);
  }
}

function lockedOut(oldestCounted: Date, windowMs: number, now: Date, why: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((oldestCounted.getTime() + windowMs - now.getTime()) / 1000));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new AppError('locked_out', `${why} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    details: { retryAfterSeconds },
  });
}
