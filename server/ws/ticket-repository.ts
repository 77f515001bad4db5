import type { PrismaClient } from '../db/database.js';

export class TicketRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { tokenHash: string; userId: string; sessionId: string; expiresAt: Date }): Promise<void> {
    await this.prisma.wsTicket.create({ data: input });
  }

  /** Marks the ticket used if it is unused and unexpired; atomic, so a ticket admits one socket only. */
  async consume(tokenHash: string, now: Date): Promise<{ userId: string; sessionId: string } | null> {
    const { count } = await this.prisma.wsTicket.updateMany({
      where: { tokenHash, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) return null;
    return this.prisma.wsTicket.findUnique({ where: { tokenHash }, select: { userId: true, sessionId: true } });
  }

  async prune(now: Date): Promise<void> {
    await this.prisma.wsTicket.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 60_000) } } });
  }
}
