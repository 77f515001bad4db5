import { Automerge, stringifyAutomergeUrl, type DocHandle, type DocumentId } from '@automerge/automerge-repo/slim';
import {
  languageForPath,
  MAX_PROJECT_FILES,
  ProjectPath,
  type FileDocument,
  type FilesResponse,
  type ProjectDocument,
  type ProjectFileInfo,
} from '../../../shared/protocol/files.js';
import type { ProjectRole } from '../../../shared/protocol/projects.js';
import { utf8Length, type RunFile } from '../../../shared/protocol/runs.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { DocumentAccess } from '../../sync/document-access.js';
import type { DocumentStore } from '../../sync/document-store.js';
import type { Principal } from '../auth/service.js';
import type { ProjectRepository } from '../projects/repository.js';
import type { FileRecord, FileRepository } from './repository.js';

const toInfo = (file: FileRecord): ProjectFileInfo => ({
  path: file.path,
  docUrl: stringifyAutomergeUrl(file.docId as DocumentId),
  language: file.language,
  size: file.size,
  updatedAt: file.updatedAt.toISOString(),
});

const INDEX_DEBOUNCE_MS = 500;

/**
 * A project's files: each a document `{ content }`, listed in the project document and in the file index.
 * Only this service changes the file tree (the sync endpoint treats the project document as read-only),
 * so the three never disagree; tree changes in one project are serialised.
 */
export class FileService {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly pendingIndex = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly deps: {
      files: FileRepository;
      projects: ProjectRepository;
      documents: DocumentStore;
      access: DocumentAccess;
      logger: Logger;
    },
  ) {}

  async list(principal: Principal, projectId: string): Promise<FilesResponse> {
    await this.requireRole(principal, projectId, 'viewer');
    const projectDocId = await this.projectDocument(projectId);
    const files = await this.deps.files.list(projectId);
    return { projectDocUrl: stringifyAutomergeUrl(projectDocId as DocumentId), files: files.map(toInfo) };
  }

  async create(principal: Principal, projectId: string, path: string, content: string): Promise<ProjectFileInfo> {
    await this.requireRole(principal, projectId, 'editor');
    return this.addFile(projectId, path, content);
  }

  async read(principal: Principal, projectId: string, path: string): Promise<string> {
    await this.requireRole(principal, projectId, 'viewer');
    const file = await this.requireFile(projectId, path);
    return (await this.deps.documents.find<FileDocument>(file.docId)).doc().content;
  }

  /** Replaces the content as one change, as a minimal edit, so live editors keep their place. */
  async write(principal: Principal, projectId: string, path: string, content: string): Promise<ProjectFileInfo> {
    await this.requireRole(principal, projectId, 'editor');
    const file = await this.requireFile(projectId, path);
    const handle = await this.deps.documents.find<FileDocument>(file.docId);
    handle.change((doc) => Automerge.updateText(doc, ['content'], content));
    await this.deps.documents.persisted(file.docId);
    const size = utf8Length(content);
    await this.deps.files.recordContent(file.docId, size);
    return toInfo({ ...file, size, updatedAt: new Date() });
  }

  /** Renames or moves a file, or a folder with everything in it. */
  async move(principal: Principal, projectId: string, from: string, to: string): Promise<ProjectFileInfo[]> {
    await this.requireRole(principal, projectId, 'editor');
    return this.exclusive(projectId, async () => {
      const files = await this.deps.files.list(projectId);
      const moving = files.filter((file) => file.path === from || file.path.startsWith(`${from}/`));
      if (moving.length === 0) throw new AppError('not_found', `There is no file or folder "${from}" in this project.`);
      if (to === from) return moving.map(toInfo);
      if (to.startsWith(`${from}/`)) throw new AppError('validation_failed', `"${from}" cannot move inside itself.`);
      const moves = moving.map((file) => {
        const target = to + file.path.slice(from.length);
        const valid = ProjectPath.safeParse(target);
        if (!valid.success) {
          throw new AppError('validation_failed', `Moving "${file.path}" to "${target}": ${valid.error.issues[0]!.message}`, {
            details: [{ path: 'to', message: valid.error.issues[0]!.message }],
          });
        }
        return { file, from: file.path, to: target, language: languageForPath(target) };
      });
      const staying = files.filter((file) => !moving.includes(file)).map((file) => file.path);
      for (const move of moves) assertFree(staying, move.to);
      const projectDocId = await this.projectDocument(projectId);
      await this.deps.files.rename(projectId, moves);
      await this.changeProject(projectDocId, (doc) => {
        for (const move of moves) delete doc.files[move.from];
        for (const move of moves) {
          doc.files[move.to] = { docUrl: stringifyAutomergeUrl(move.file.docId as DocumentId), language: move.language };
        }
      });
      return moves.map((move) => toInfo({ ...move.file, path: move.to, language: move.language, updatedAt: new Date() }));
    });
  }

  /** Deletes a file, or a folder with everything in it. */
  async remove(principal: Principal, projectId: string, path: string): Promise<void> {
    await this.requireRole(principal, projectId, 'editor');
    await this.exclusive(projectId, async () => {
      const doomed = (await this.deps.files.list(projectId)).filter((file) => file.path === path || file.path.startsWith(`${path}/`));
      if (doomed.length === 0) throw new AppError('not_found', `There is no file or folder "${path}" in this project.`);
      const projectDocId = await this.projectDocument(projectId);
      await this.deps.files.remove(
        projectId,
        doomed.map((file) => file.path),
      );
      for (const file of doomed) this.deps.access.forgetDocument(file.docId);
      await this.changeProject(projectDocId, (doc) => {
        for (const file of doomed) delete doc.files[file.path];
      });
      await this.deps.documents.remove(doomed.map((file) => file.docId));
      void this.deps.documents.repo.shareConfigChanged();
    });
  }

  /** The project's current files, for a run. Viewers may run. */
  async filesForRun(principal: Principal, projectId: string): Promise<RunFile[]> {
    await this.requireRole(principal, projectId, 'viewer');
    const files = await this.deps.files.list(projectId);
    return Promise.all(
      files.map(async (file) => ({ path: file.path, content: (await this.deps.documents.find<FileDocument>(file.docId)).doc().content })),
    );
  }

  /** A new project's document, and its template's hello-world file. */
  async initialise(projectId: string, template?: { path: string; content: string }): Promise<void> {
    await this.projectDocument(projectId);
    if (template) await this.addFile(projectId, template.path, template.content);
  }

  /** Documents of a project being deleted: call before the project row goes, then `destroyed`. */
  documentIdsOf(projectId: string): Promise<string[]> {
    return this.deps.files.documentIds(projectId);
  }

  async destroyed(projectId: string, documentIds: string[]): Promise<void> {
    this.deps.access.projectDeleted(projectId);
    void this.deps.documents.repo.shareConfigChanged();
    await this.deps.documents.remove(documentIds);
  }

  /** A collaborator changed a file through sync: the index's size and time follow, a moment later. */
  noteRemoteChange(documentId: string): void {
    if (this.pendingIndex.has(documentId)) return;
    const timer = setTimeout(() => {
      this.pendingIndex.delete(documentId);
      const handle = this.deps.documents.repo.handles[documentId as DocumentId] as DocHandle<FileDocument> | undefined;
      const content = handle?.isReady() ? handle.doc().content : undefined;
      if (typeof content !== 'string') return;
      this.deps.files
        .recordContent(documentId, utf8Length(content))
        .catch((error: unknown) => this.deps.logger.warn({ err: error, documentId }, 'could not update the file index'));
    }, INDEX_DEBOUNCE_MS);
    timer.unref();
    this.pendingIndex.set(documentId, timer);
  }

  private async addFile(projectId: string, path: string, content: string): Promise<ProjectFileInfo> {
    return this.exclusive(projectId, async () => {
      const files = await this.deps.files.list(projectId);
      if (files.length >= MAX_PROJECT_FILES) {
        throw new AppError('validation_failed', `A project has at most ${MAX_PROJECT_FILES} files; delete some first.`, {
          details: [{ path: 'path', message: `at most ${MAX_PROJECT_FILES} files per project` }],
        });
      }
      assertFree(
        files.map((file) => file.path),
        path,
      );
      const projectDocId = await this.projectDocument(projectId);
      const handle = await this.deps.documents.create<FileDocument>({ content });
      const language = languageForPath(path);
      let file: FileRecord;
      try {
        file = await this.deps.files.insert(projectId, { path, docId: handle.documentId, language, size: utf8Length(content) });
      } catch (error) {
        await this.deps.documents.remove([handle.documentId]);
        throw error;
      }
      this.deps.access.register(handle.documentId, projectId, 'file');
      await this.changeProject(projectDocId, (doc) => {
        doc.files[path] = { docUrl: handle.url, language };
      });
      return toInfo(file);
    });
  }

  /** The project document's id, made now for a project that has none yet. */
  private async projectDocument(projectId: string): Promise<string> {
    const existing = await this.deps.files.projectDocId(projectId);
    if (existing === undefined) throw notFound(projectId);
    if (existing) return existing;
    return this.exclusive(`doc:${projectId}`, async () => {
      const again = await this.deps.files.projectDocId(projectId);
      if (again) return again;
      const files = await this.deps.files.list(projectId);
      const handle = await this.deps.documents.create<ProjectDocument>({
        files: Object.fromEntries(
          files.map((file) => [file.path, { docUrl: stringifyAutomergeUrl(file.docId as DocumentId), language: file.language }]),
        ),
      });
      const chosen = await this.deps.files.setProjectDocId(projectId, handle.documentId);
      if (chosen !== handle.documentId) await this.deps.documents.remove([handle.documentId]);
      this.deps.access.register(chosen, projectId, 'project');
      return chosen;
    });
  }

  private async changeProject(projectDocId: string, change: (doc: ProjectDocument) => void): Promise<void> {
    const handle = await this.deps.documents.find<ProjectDocument>(projectDocId);
    handle.change(change);
    await this.deps.documents.persisted(projectDocId);
  }

  private async requireFile(projectId: string, path: string): Promise<FileRecord> {
    const file = await this.deps.files.find(projectId, path);
    if (!file)
      throw new AppError('not_found', `There is no file "${path}" in this project. Create it with POST /api/projects/${projectId}/files.`);
    return file;
  }

  private async requireRole(principal: Principal, projectId: string, least: 'viewer' | 'editor'): Promise<ProjectRole> {
    const role = await this.deps.projects.roleOf(projectId, principal.userId);
    if (!role) throw notFound(projectId);
    if (least === 'editor' && role === 'viewer') {
      throw new AppError('forbidden', 'You can view this project but not change it: ask an owner to make you an editor.');
    }
    return role;
  }

  /** Runs `task` after every earlier task of the same key. */
  private exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const result = previous.catch(() => undefined).then(task);
    const tail = result.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return result;
  }
}

const notFound = (projectId: string) => new AppError('not_found', `There is no project ${projectId} that you are a member of.`);

/** A path must not exist already, sit under a file, or be an existing folder. */
function assertFree(existing: string[], path: string): void {
  for (const other of existing) {
    if (other === path) throw new AppError('conflict', `"${path}" already exists.`);
    if (path.startsWith(`${other}/`)) throw new AppError('conflict', `"${other}" is a file, so "${path}" cannot be inside it.`);
    if (other.startsWith(`${path}/`)) throw new AppError('conflict', `"${path}" is a folder with files in it.`);
  }
}
