import type { RunOutcome } from '../../../shared/protocol/runs.js';
import type { PrismaClient } from '../../db/database.js';

export class RunRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { userId: string; language: string }): Promise<string> {
    const run = await this.prisma.run.create({ data: { ...input, status: 'running' }, select: { id: true } });
    return run.id;
  }

  async finish(id: string, outcome: RunOutcome): Promise<void> {
    const { exitCode, signal, phase, timedOut, oomKilled, outputTruncated, stopped, durationMs } = outcome;
    await this.prisma.run.update({
      where: { id },
      data: {
        status: 'finished',
        exitCode,
        signal,
        phase,
        timedOut,
        oomKilled,
        outputTruncated,
        stopped,
        durationMs,
        finishedAt: new Date(),
      },
    });
  }

  async fail(id: string): Promise<void> {
    await this.prisma.run.update({ where: { id }, data: { status: 'failed', finishedAt: new Date() } });
  }

  /** Runs left "running" by a server that died are marked failed at start. */
  async failUnfinished(): Promise<number> {
    const { count } = await this.prisma.run.updateMany({
      where: { status: 'running' },
      data: { status: 'failed', finishedAt: new Date() },
    });
    return count;
  }

  findOwner(id: string): Promise<{ userId: string; status: string } | null> {
    return this.prisma.run.findUnique({ where: { id }, select: { userId: true, status: true } });
  }
}
