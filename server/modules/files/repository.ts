import type { PrismaClient } from '../../db/database.js';

export interface FileRecord {
  path: string;
  docId: string;
  language: string;
  size: number;
  updatedAt: Date;
}

const columns = { path: true, docId: true, language: true, size: true, updatedAt: true } as const;

/** The file index: listing, search and runs read it instead of loading every document. */
export class FileRepository {
  constructor(private readonly prisma: PrismaClient) {}

  list(projectId: string): Promise<FileRecord[]> {
    return this.prisma.projectFile.findMany({ where: { projectId }, select: columns, orderBy: { path: 'asc' } });
  }

  find(projectId: string, path: string): Promise<FileRecord | null> {
    return this.prisma.projectFile.findUnique({ where: { projectId_path: { projectId, path } }, select: columns });
  }

  async insert(projectId: string, file: Omit<FileRecord, 'updatedAt'>): Promise<FileRecord> {
    return this.prisma.projectFile.create({ data: { projectId, ...file }, select: columns });
  }

  /** Moves several files at once, or none. */
  async rename(projectId: string, moves: Array<{ from: string; to: string; language: string }>): Promise<void> {
    await this.prisma.$transaction(
      moves.map((move) =>
        this.prisma.projectFile.update({
          where: { projectId_path: { projectId, path: move.from } },
          data: { path: move.to, language: move.language, updatedAt: new Date() },
        }),
      ),
    );
  }

  async remove(projectId: string, paths: string[]): Promise<void> {
    await this.prisma.projectFile.deleteMany({ where: { projectId, path: { in: paths } } });
  }

  async recordContent(docId: string, size: number): Promise<void> {
    await this.prisma.projectFile.updateMany({ where: { docId }, data: { size, updatedAt: new Date() } });
  }

  async projectDocId(projectId: string): Promise<string | null | undefined> {
    const project = await this.prisma.project.findUnique({ where: { id: projectId }, select: { docId: true } });
    return project === null ? undefined : project.docId;
  }

  /** Sets the project document unless another request set one first; answers the one that counts. */
  async setProjectDocId(projectId: string, docId: string): Promise<string> {
    await this.prisma.project.updateMany({ where: { id: projectId, docId: null }, data: { docId } });
    const project = await this.prisma.project.findUniqueOrThrow({ where: { id: projectId }, select: { docId: true } });
    return project.docId!;
  }

  async documentIds(projectId: string): Promise<string[]> {
    const [files, project] = await Promise.all([
      this.prisma.projectFile.findMany({ where: { projectId }, select: { docId: true } }),
      this.prisma.project.findUnique({ where: { id: projectId }, select: { docId: true } }),
    ]);
    return [...files.map((file) => file.docId), ...(project?.docId ? [project.docId] : [])];
  }
}
