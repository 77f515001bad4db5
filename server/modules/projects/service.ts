import type {
  AcceptInviteResponse,
  CreateInviteResponse,
  Invite,
  InvitePreviewResponse,
  Project,
  ProjectMember,
  ProjectResponse,
  ProjectRole,
} from '../../../shared/protocol/projects.js';
import { findLanguage } from '../../../shared/sandbox/languages.js';
import { randomToken, sha256Hex } from '../auth/secrets.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../auth/service.js';
import type { UserRepository } from '../users/repository.js';
import type { InviteRecord, MemberRecord, ProjectRecord, ProjectRepository } from './repository.js';

const toProject = (project: ProjectRecord, role: ProjectRole): Project => ({
  id: project.id,
  name: project.name,
  role,
  createdAt: project.createdAt.toISOString(),
  updatedAt: project.updatedAt.toISOString(),
});

const toMember = (member: MemberRecord): ProjectMember => ({ userId: member.userId, username: member.username, role: member.role });

const toInvite = (invite: InviteRecord): Invite => ({
  id: invite.id,
  role: invite.role,
  expiresAt: invite.expiresAt.toISOString(),
  maxUses: invite.maxUses,
  uses: invite.uses,
  revoked: invite.revokedAt !== null,
});

/** What a project owns besides its rows: its documents, and who may sync them. */
export interface ProjectWorkspace {
  initialise(projectId: string, template?: { path: string; content: string }): Promise<void>;
  documentIdsOf(projectId: string): Promise<string[]>;
  destroyed(projectId: string, documentIds: string[]): Promise<void>;
  /** Someone joined, left or changed role: open sync connections follow at once. */
  membershipChanged(projectId: string): void;
}

/** Projects and who may do what in them. A project you are not in looks the same as one that does not exist. */
export class ProjectService {
  constructor(private readonly deps: { projects: ProjectRepository; users: UserRepository; workspace: ProjectWorkspace }) {}

  async create(principal: Principal, name: string, template?: string): Promise<ProjectResponse> {
    const language = template === undefined ? undefined : findLanguage(template);
    const project = await this.deps.projects.createWithOwner(name, principal.userId);
    try {
      await this.deps.workspace.initialise(project.id, language && { path: language.defaultEntry, content: language.template });
    } catch (error) {
      await this.deps.projects.delete(project.id);
      throw error;
    }
    return { project: toProject(project, 'owner'), members: [{ userId: principal.userId, username: principal.username, role: 'owner' }] };
  }

  async list(principal: Principal): Promise<Project[]> {
    return (await this.deps.projects.listForUser(principal.userId)).map((project) => toProject(project, project.role));
  }

  async get(principal: Principal, projectId: string): Promise<ProjectResponse> {
    const role = await this.requireRole(principal, projectId, ['owner', 'editor', 'viewer']);
    const project = await this.deps.projects.find(projectId);
    if (!project) throw notFound(projectId);
    return { project: toProject(project, role), members: (await this.deps.projects.members(projectId)).map(toMember) };
  }

  async rename(principal: Principal, projectId: string, name: string): Promise<ProjectResponse> {
    await this.requireRole(principal, projectId, ['owner', 'editor']);
    await this.deps.projects.rename(projectId, name);
    return this.get(principal, projectId);
  }

  async delete(principal: Principal, projectId: string): Promise<void> {
    await this.requireRole(principal, projectId, ['owner']);
    const documentIds = await this.deps.workspace.documentIdsOf(projectId);
    await this.deps.projects.delete(projectId);
    await this.deps.workspace.destroyed(projectId, documentIds);
  }

  async addMember(principal: Principal, projectId: string, login: string, role: ProjectRole): Promise<ProjectMember> {
    await this.requireRole(principal, projectId, ['owner']);
    const normalised = login.toLowerCase();
    const user = normalised.includes('@')
      ? await this.deps.users.findByEmail(normalised)
      : await this.deps.users.findByUsername(normalised);
    if (!user) throw new AppError('not_found', `There is no Tandem user "${login}". Ask them to register first, or send an invite link.`);
    const member = await this.deps.projects.addMember(projectId, user.id, role);
    if (!member) throw new AppError('conflict', `${user.username} is already a member; change their role instead.`);
    this.deps.workspace.membershipChanged(projectId);
    return toMember(member);
  }

  async updateMember(principal: Principal, projectId: string, userId: string, role: ProjectRole): Promise<ProjectMember> {
    await this.requireRole(principal, projectId, ['owner']);
    const changed = await this.deps.projects.changeMember(projectId, userId, role);
    if (changed === undefined) throw new AppError('not_found', 'That user is not a member of this project.');
    if (!changed) throw lastOwner();
    this.deps.workspace.membershipChanged(projectId);
    const member = (await this.deps.projects.members(projectId)).find((m) => m.userId === userId)!;
    return toMember(member);
  }

  /** Owners remove anyone; any member may leave. */
  async removeMember(principal: Principal, projectId: string, userId: string): Promise<void> {
    await this.requireRole(principal, projectId, userId === principal.userId ? ['owner', 'editor', 'viewer'] : ['owner']);
    const changed = await this.deps.projects.changeMember(projectId, userId, null);
    if (changed === undefined) throw new AppError('not_found', 'That user is not a member of this project.');
    if (!changed) throw lastOwner();
    this.deps.workspace.membershipChanged(projectId);
  }

  async createInvite(
    principal: Principal,
    projectId: string,
    request: { role: 'editor' | 'viewer'; expiresInHours: number; maxUses: number },
    origin: string,
  ): Promise<CreateInviteResponse> {
    await this.requireRole(principal, projectId, ['owner']);
    const token = randomToken();
    const invite = await this.deps.projects.createInvite({
      projectId,
      tokenHash: sha256Hex(token),
      role: request.role,
      expiresAt: new Date(Date.now() + request.expiresInHours * 3_600_000),
      maxUses: request.maxUses,
      createdById: principal.userId,
    });
    return { invite: toInvite(invite), token, url: `${origin}/invite/${token}` };
  }

  async listInvites(principal: Principal, projectId: string): Promise<Invite[]> {
    await this.requireRole(principal, projectId, ['owner']);
    return (await this.deps.projects.listInvites(projectId)).map(toInvite);
  }

  async revokeInvite(principal: Principal, projectId: string, inviteId: string): Promise<void> {
    await this.requireRole(principal, projectId, ['owner']);
    if (!(await this.deps.projects.revokeInvite(projectId, inviteId, new Date()))) {
      throw new AppError('not_found', 'There is no live invite with that id in this project.');
    }
  }

  /**
   * What accepting would do, without doing it (no use is spent). It answers exactly as `acceptInvite` would:
   * the same errors for a link that would not admit the caller, and a member hears they are in already,
   * whatever state the link is in, since accepting it changes nothing for them.
   */
  async previewInvite(principal: Principal, token: string): Promise<InvitePreviewResponse> {
    const invite = await this.findInvite(token);
    const currentRole = await this.deps.projects.roleOf(invite.projectId, principal.userId);
    if (!currentRole) {
      const gone = inviteGone(invite, new Date());
      if (gone) throw gone;
    }
    const [project, inviter] = await Promise.all([this.deps.projects.find(invite.projectId), this.deps.users.findById(invite.createdById)]);
    // The invite row goes with its project (ON DELETE CASCADE), so this is only a delete racing the preview.
    if (!project) throw inviteNotFound();
    return {
      project: { id: project.id, name: project.name },
      role: invite.role,
      invitedBy: inviter && { username: inviter.username },
      expiresAt: invite.expiresAt.toISOString(),
      alreadyMember: currentRole !== null,
      currentRole,
    };
  }

  /** Joins the invite's project. Someone already in it keeps their role, and the invite keeps its use. */
  async acceptInvite(principal: Principal, token: string): Promise<AcceptInviteResponse> {
    const invite = await this.findInvite(token);
    const existing = await this.deps.projects.roleOf(invite.projectId, principal.userId);
    if (!existing) {
      const now = new Date();
      const member = await this.deps.projects.useInvite(invite.id, principal.userId, now);
      // Read before others spent its last uses, the invite may still look live here.
      if (!member) throw inviteGone(invite, now) ?? inviteGoneError(USED_UP);
      this.deps.workspace.membershipChanged(invite.projectId);
    }
    const { project, members } = await this.get(principal, invite.projectId);
    return { project, member: members.find((m) => m.userId === principal.userId)! };
  }

  private async findInvite(token: string): Promise<InviteRecord> {
    const invite = await this.deps.projects.findInviteByHash(sha256Hex(token));
    if (!invite) throw inviteNotFound();
    return invite;
  }

  /** The caller's role, if it is one of `allowed`; 404 for non-members (no probing), 403 for too low a role. */
  private async requireRole(principal: Principal, projectId: string, allowed: ProjectRole[]): Promise<ProjectRole> {
    const role = await this.deps.projects.roleOf(projectId, principal.userId);
    if (!role) throw notFound(projectId);
    if (!allowed.includes(role)) {
      throw new AppError('forbidden', `Your role in this project is ${role}; this needs ${allowed.join(' or ')}.`);
    }
    return role;
  }
}

const notFound = (projectId: string) => new AppError('not_found', `There is no project ${projectId} that you are a member of.`);
const lastOwner = () => new AppError('conflict', 'A project needs at least one owner: make someone else an owner first.');

const inviteNotFound = () =>
  new AppError(
    'not_found',
    'This invite link is not valid: check that you copied all of it, or ask the project\u2019s owner for a new link.',
  );
const USED_UP = 'has been used as many times as it allows';
const inviteGoneError = (why: string) => new AppError('gone', `This invite link ${why}. Ask the project\u2019s owner for a new link.`);

/** Why the invite admits no one now, or undefined while it still does. */
function inviteGone(invite: InviteRecord, now: Date): AppError | undefined {
  if (invite.revokedAt !== null) return inviteGoneError('was withdrawn by the project\u2019s owner');
  if (invite.expiresAt <= now) return inviteGoneError('has expired');
  if (invite.uses >= invite.maxUses) return inviteGoneError(USED_UP);
  return undefined;
}
