import type { PrismaClient } from '../../db/database.js';

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

const columns = { id: true, username: true, email: true, passwordHash: true, createdAt: true } as const;

export class UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { id }, select: columns });
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { username }, select: columns });
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { email }, select: columns });
  }

  /** Returns null when the username or email is taken (also when another request took it first). */
  async create(input: { username: string; email: string; passwordHash: string }): Promise<UserRecord | null> {
    try {
      return await this.prisma.user.create({ data: input, select: columns });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return null;
      throw error;
    }
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash } });
  }
}
