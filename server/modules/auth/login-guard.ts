import { AppError } from '../../http/errors.js';
import { clientAddressKey } from './client-address.js';
import type { AuthRepository } from './repository.js';

export const LOCKOUT = {
  perAddress: { failures: 10, windowMs: 15 * 60 * 1000, lockMs: 15 * 60 * 1000 },
  perAccount: { failures: 100, windowMs: 60 * 60 * 1000 },
} as const;

export interface LoginAttempt {
  id: bigint;
  subject: string;
  address: string;
}

/**
 * Brute-force protection that cannot be turned against the owner. Failures are counted per account and
 * client address, so an attacker locks out only their own address; the account-wide cap stops a
 * distributed attack but still admits addresses the owner has signed in from before.
 *
 * Each attempt is recorded before its password is checked and judged only by the attempts recorded
 * before it, so a burst of parallel guesses gets no more tries than a sequence would.
 */
export class LoginGuard {
  constructor(private readonly repository: AuthRepository) {}

  /** `subject` is the account ("user:<id>") or, for a login that matches none, the login itself. */
  async begin(input: { subject: string; ip: string; userId: string | undefined; now: Date }): Promise<LoginAttempt> {
    const address = clientAddressKey(input.ip);
    const id = await this.repository.insertLoginAttempt(input.subject, address);
    try {
      await this.assertAllowed({ ...input, address, id });
    } catch (error) {
      // A refused attempt checks no password, so it is not a failure and does not extend the lock.
      await this.repository.deleteLoginAttempt(id);
      throw error;
    }
    return { id, subject: input.subject, address };
  }

  /** The attempt's password was right: forget this address's failures and remember the address. */
  async succeeded(attempt: LoginAttempt, userId: string, now: Date): Promise<void> {
    await this.repository.clearLoginFailures(attempt.subject, attempt.address);
    await this.repository.rememberAddress(userId, attempt.address, now);
  }

  private async assertAllowed(input: {
    subject: string;
    address: string;
    userId: string | undefined;
    id: bigint;
    now: Date;
  }): Promise<void> {
    const { subject, address, id, now } = input;
    const { perAddress, perAccount } = LOCKOUT;
    // The lock starts at the failure that made ten within fifteen minutes, and lasts fifteen minutes.
    const recent = await this.repository.failuresBefore({
      subject,
      ip: address,
      beforeId: id,
      since: new Date(now.getTime() - perAddress.windowMs - perAddress.lockMs),
      limit: perAddress.failures,
    });
    const newest = recent[0];
    const tenth = recent[perAddress.failures - 1];
    if (
      newest &&
      tenth &&
      newest.getTime() - tenth.getTime() <= perAddress.windowMs &&
      newest.getTime() + perAddress.lockMs > now.getTime()
    ) {
      throw lockedOut(newest.getTime() + perAddress.lockMs - now.getTime(), 'Too many failed sign-ins for this account from your address.');
    }
    const accountWide = await this.repository.failuresBefore({
      subject,
      beforeId: id,
      since: new Date(now.getTime() - perAccount.windowMs),
      limit: perAccount.failures,
    });
    const oldest = accountWide[perAccount.failures - 1];
    if (oldest && !(input.userId && (await this.repository.isKnownAddress(input.userId, address)))) {
      throw lockedOut(
        oldest.getTime() + perAccount.windowMs - now.getTime(),
        'This account is under a sign-in attack, so new addresses are paused. A device you have signed in from before still works.',
      );
    }
  }
}

function lockedOut(remainingMs: number, why: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new AppError('locked_out', `${why} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    details: { retryAfterSeconds },
  });
}
