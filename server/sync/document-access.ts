import type { ProjectRole } from '../../shared/protocol/projects.js';
import type { PrismaClient } from '../db/database.js';

export type DocumentKind = 'project' | 'file';

export interface DocumentGrant {
  projectId: string;
  kind: DocumentKind;
  role: ProjectRole;
  /** Whether the peer's changes to this document may be applied: editors and owners on files only. */
  writable: boolean;
}

/**
 * Who may sync which document: a document belongs to one project (its file tree, or one of its files), and
 * a member's role there decides. Answers are cached, and dropped the moment a project's membership
 * changes; a lookup that raced with a change is not cached, so a revoked role is never remembered.
 */
export class DocumentAccess {
  private readonly documents = new Map<string, { projectId: string; kind: DocumentKind }>();
  private readonly roles = new Map<string, Map<string, ProjectRole | null>>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly prisma: PrismaClient) {}

  async grant(userId: string, documentId: string): Promise<DocumentGrant | null> {
    const document = await this.documentOf(documentId);
    if (!document) return null;
    const role = await this.roleOf(document.projectId, userId);
    if (!role) return null;
    return { ...document, role, writable: document.kind === 'file' && role !== 'viewer' };
  }

  register(documentId: string, projectId: string, kind: DocumentKind): void {
    this.documents.set(documentId, { projectId, kind });
  }

  forgetDocument(documentId: string): void {
    this.documents.delete(documentId);
  }

  /** Call after any change to a project's members, or its deletion. */
  membershipChanged(projectId: string): void {
    this.generations.set(projectId, (this.generations.get(projectId) ?? 0) + 1);
    this.roles.delete(projectId);
  }

  projectDeleted(projectId: string): void {
    this.membershipChanged(projectId);
    for (const [documentId, document] of this.documents) if (document.projectId === projectId) this.documents.delete(documentId);
  }

  private async documentOf(documentId: string) {
    const cached = this.documents.get(documentId);
    if (cached) return cached;
    const file = await this.prisma.projectFile.findUnique({ where: { docId: documentId }, select: { projectId: true } });
    const found = file
      ? { projectId: file.projectId, kind: 'file' as const }
      : await this.prisma.project
          .findUnique({ where: { docId: documentId }, select: { id: true } })
          .then((project) => (project ? { projectId: project.id, kind: 'project' as const } : undefined));
    // Unknown ids are not cached: the document may be created in a moment.
    if (found) this.documents.set(documentId, found);
    return found;
  }

  private async roleOf(projectId: string, userId: string): Promise<ProjectRole | null> {
    const cached = this.roles.get(projectId)?.get(userId);
    if (cached !== undefined) return cached;
    const generation = this.generations.get(projectId) ?? 0;
    const member = await this.prisma.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId } },
      select: { role: true },
    });
    const role = (member?.role as ProjectRole | undefined) ?? null;
    if ((this.generations.get(projectId) ?? 0) === generation) {
      let members = this.roles.get(projectId);
      if (!members) this.roles.set(projectId, (members = new Map()));
      members.set(userId, role);
    }
    return role;
  }
}
