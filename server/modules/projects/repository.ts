import type { ProjectRole } from '../../../shared/protocol/projects.js';
import type { PrismaClient } from '../../db/database.js';

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRecord {
  userId: string;
  username: string;
  role: ProjectRole;
}

const projectColumns = { id: true, name: true, createdAt: true, updatedAt: true } as const;

export interface InviteRecord {
  id: string;
  projectId: string;
  role: 'editor' | 'viewer';
  expiresAt: Date;
  maxUses: number;
  uses: number;
  revokedAt: Date | null;
  /** Not a foreign key: the account may have been deleted since. */
  createdById: string;
}

const inviteColumns = {
  id: true,
  projectId: true,
  role: true,
  expiresAt: true,
  maxUses: true,
  uses: true,
  revokedAt: true,
  createdById: true,
} as const;
const asInvite = (row: Omit<InviteRecord, 'role'> & { role: string }): InviteRecord => ({ ...row, role: row.role as InviteRecord['role'] });

export class ProjectRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async createWithOwner(name: string, ownerId: string): Promise<ProjectRecord> {
    return this.prisma.project.create({
      data: { name, members: { create: { userId: ownerId, role: 'owner' } } },
      select: projectColumns,
    });
  }

  async listForUser(userId: string): Promise<Array<ProjectRecord & { role: ProjectRole }>> {
    const memberships = await this.prisma.projectMember.findMany({
      where: { userId },
      select: { role: true, project: { select: projectColumns } },
      orderBy: { project: { updatedAt: 'desc' } },
    });
    return memberships.map(({ role, project }) => ({ ...project, role: role as ProjectRole }));
  }

  async find(projectId: string): Promise<ProjectRecord | null> {
    return this.prisma.project.findUnique({ where: { id: projectId }, select: projectColumns });
  }

  async roleOf(projectId: string, userId: string): Promise<ProjectRole | null> {
    const member = await this.prisma.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId } },
      select: { role: true },
    });
    return (member?.role as ProjectRole | undefined) ?? null;
  }

  async members(projectId: string): Promise<MemberRecord[]> {
    const rows = await this.prisma.projectMember.findMany({
      where: { projectId },
      select: { userId: true, role: true, user: { select: { username: true } } },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => ({ userId: row.userId, username: row.user.username, role: row.role as ProjectRole }));
  }

  async rename(projectId: string, name: string): Promise<ProjectRecord> {
    return this.prisma.project.update({ where: { id: projectId }, data: { name }, select: projectColumns });
  }

  async delete(projectId: string): Promise<void> {
    await this.prisma.project.deleteMany({ where: { id: projectId } });
  }

  /** Null when the user is a member already. */
  async addMember(projectId: string, userId: string, role: ProjectRole): Promise<MemberRecord | null> {
    try {
      const row = await this.prisma.projectMember.create({
        data: { projectId, userId, role },
        select: { userId: true, role: true, user: { select: { username: true } } },
      });
      return { userId: row.userId, username: row.user.username, role: row.role as ProjectRole };
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return null;
      throw error;
    }
  }

  /**
   * Changes a member's role, or removes them (role null), unless that would leave the project without
   * an owner. The project's member rows are locked first, so two owners demoting each other at once
   * cannot both succeed. Returns false when refused for that reason, undefined when not a member.
   */
  async changeMember(projectId: string, userId: string, role: ProjectRole | null): Promise<boolean | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ user_id: string; role: string }>>`
        SELECT user_id::text, role FROM project_members WHERE project_id = ${projectId}::uuid FOR UPDATE`;
      const target = rows.find((row) => row.user_id === userId);
      if (!target) return undefined;
      const owners = rows.filter((row) => row.role === 'owner').length;
      if (target.role === 'owner' && role !== 'owner' && owners <= 1) return false;
      if (role === null) await tx.projectMember.delete({ where: { projectId_userId: { projectId, userId } } });
      else await tx.projectMember.update({ where: { projectId_userId: { projectId, userId } }, data: { role } });
      return true;
    });
  }

  async createInvite(input: {
    projectId: string;
    tokenHash: string;
    role: string;
    expiresAt: Date;
    maxUses: number;
    createdById: string;
  }): Promise<InviteRecord> {
    return asInvite(await this.prisma.projectInvite.create({ data: input, select: inviteColumns }));
  }

  async listInvites(projectId: string): Promise<InviteRecord[]> {
    const rows = await this.prisma.projectInvite.findMany({ where: { projectId }, select: inviteColumns, orderBy: { createdAt: 'desc' } });
    return rows.map(asInvite);
  }

  async revokeInvite(projectId: string, inviteId: string, now: Date): Promise<boolean> {
    const { count } = await this.prisma.projectInvite.updateMany({
      where: { id: inviteId, projectId, revokedAt: null },
      data: { revokedAt: now },
    });
    return count === 1;
  }

  async findInviteByHash(tokenHash: string): Promise<InviteRecord | null> {
    const row = await this.prisma.projectInvite.findUnique({ where: { tokenHash }, select: inviteColumns });
    return row ? asInvite(row) : null;
  }

  /**
   * Spends one use of the invite and adds the member, in one transaction; the use is only spent if the
   * invite is still live and has uses left when the row is updated, so it never admits more than allowed.
   */
  async useInvite(inviteId: string, userId: string, now: Date): Promise<MemberRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      const spent = await tx.$executeRaw`
        UPDATE project_invites SET uses = uses + 1
        WHERE id = ${inviteId}::uuid AND revoked_at IS NULL AND expires_at > ${now} AND uses < max_uses`;
      if (spent !== 1) return null;
      const invite = await tx.projectInvite.findUniqueOrThrow({ where: { id: inviteId }, select: { projectId: true, role: true } });
      const row = await tx.projectMember.create({
        data: { projectId: invite.projectId, userId, role: invite.role },
        select: { userId: true, role: true, user: { select: { username: true } } },
      });
      return { userId: row.userId, username: row.user.username, role: row.role as ProjectRole };
    });
  }
}
