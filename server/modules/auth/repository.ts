import type { PrismaClient } from '../../db/database.js';
import type { UserRecord } from '../users/repository.js';

export interface ActiveSession {
  id: string;
  user: UserRecord;
}

export type RotateOutcome =
  | { kind: 'rotated'; sessionId: string; user: UserRecord }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  /** The token was used before: someone holds a copy. The whole family is revoked. */
  | { kind: 'reused'; sessionId: string };

const userColumns = { id: true, username: true, email: true, passwordHash: true, createdAt: true } as const;

/** Sessions (refresh-token families), their tokens, and the records that drive login lockouts. */
export class AuthRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async createSession(input: { userId: string; userAgent: string | undefined; tokenHash: string; expiresAt: Date }): Promise<string> {
    const session = await this.prisma.session.create({
      data: {
        userId: input.userId,
        userAgent: input.userAgent?.slice(0, 512) ?? null,
        refreshTokens: { create: { tokenHash: input.tokenHash, expiresAt: input.expiresAt } },
      },
      select: { id: true },
    });
    return session.id;
  }

  async findActiveSession(sessionId: string): Promise<ActiveSession | null> {
    const session = await this.prisma.session.findUnique({
      where: { id: sessionId },
      select: { id: true, revokedAt: true, user: { select: userColumns } },
    });
    if (!session || session.revokedAt) return null;
    return { id: session.id, user: session.user };
  }

  /**
   * Exchanges a refresh token for a new one in the same family, in one transaction. Marking the old
   * token used is conditional, so of two concurrent uses one rotates and the other counts as reuse.
   */
  rotateRefreshToken(input: { oldHash: string; newHash: string; expiresAt: Date; now: Date }): Promise<RotateOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const token = await tx.refreshToken.findUnique({
        where: { tokenHash: input.oldHash },
        select: {
          id: true,
          usedAt: true,
          expiresAt: true,
          session: { select: { id: true, revokedAt: true, user: { select: userColumns } } },
        },
      });
      if (!token) return { kind: 'unknown' };
      if (token.session.revokedAt) return { kind: 'revoked' };
      const claimed = token.usedAt
        ? 0
        : (await tx.refreshToken.updateMany({ where: { id: token.id, usedAt: null }, data: { usedAt: input.now } })).count;
      if (claimed === 0) {
        await tx.session.update({ where: { id: token.session.id }, data: { revokedAt: input.now } });
        return { kind: 'reused', sessionId: token.session.id };
      }
      if (token.expiresAt <= input.now) return { kind: 'expired' };
      await tx.refreshToken.create({ data: { sessionId: token.session.id, tokenHash: input.newHash, expiresAt: input.expiresAt } });
      await tx.session.update({ where: { id: token.session.id }, data: { lastUsedAt: input.now } });
      return { kind: 'rotated', sessionId: token.session.id, user: token.session.user };
    });
  }

  /** Revokes the family the token belongs to, if it belongs to this user; returns the session id revoked. */
  async revokeSessionByToken(tokenHash: string, userId: string, now: Date): Promise<string | null> {
    const token = await this.prisma.refreshToken.findUnique({
      where: { tokenHash },
      select: { session: { select: { id: true, userId: true } } },
    });
    if (!token || token.session.userId !== userId) return null;
    await this.prisma.session.updateMany({ where: { id: token.session.id, revokedAt: null }, data: { revokedAt: now } });
    return token.session.id;
  }

  /** Records a sign-in attempt as a failure up front; a successful one is cleared afterwards. */
  async insertLoginAttempt(subject: string, ip: string): Promise<bigint> {
    const row = await this.prisma.loginFailure.create({ data: { subject, ip }, select: { id: true } });
    return row.id;
  }

  async deleteLoginAttempt(id: bigint): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { id } });
  }

  /** Timestamps of up to `limit` failures recorded before attempt `beforeId` since `since`, newest first. */
  async failuresBefore(input: { subject: string; ip?: string; beforeId: bigint; since: Date; limit: number }): Promise<Date[]> {
    const rows = await this.prisma.loginFailure.findMany({
      where: { subject: input.subject, ...(input.ip ? { ip: input.ip } : {}), id: { lt: input.beforeId }, createdAt: { gt: input.since } },
      orderBy: { id: 'desc' },
      take: input.limit,
      select: { createdAt: true },
    });
    return rows.map((row) => row.createdAt);
  }

  async clearLoginFailures(subject: string, ip: string): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { subject, ip } });
  }

  async isKnownAddress(userId: string, ip: string): Promise<boolean> {
    return (await this.prisma.knownLoginAddress.count({ where: { userId, ip } })) > 0;
  }

  async rememberAddress(userId: string, ip: string, now: Date): Promise<void> {
    await this.prisma.knownLoginAddress.upsert({
      where: { userId_ip: { userId, ip } },
      create: { userId, ip, lastSeenAt: now },
      update: { lastSeenAt: now },
    });
  }

  /** Drops records no rule looks at any more. */
  async prune(now: Date): Promise<void> {
    const hourAgo = new Date(now.getTime() - 60 * 60 * 1000);
    await this.prisma.loginFailure.deleteMany({ where: { createdAt: { lt: hourAgo } } });
    await this.prisma.refreshToken.deleteMany({ where: { expiresAt: { lt: now } } });
    // A session unused for longer than a refresh token lives can never be resumed.
    const monthAgo = new Date(now.getTime() - 31 * 24 * 60 * 60 * 1000);
    await this.prisma.session.deleteMany({ where: { OR: [{ lastUsedAt: { lt: monthAgo } }, { revokedAt: { lt: monthAgo } }] } });
  }
}
