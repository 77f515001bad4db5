import express, { Router, type Request } from 'express';
import {
  CreateFileRequest,
  FileContent,
  FilePathQuery,
  MAX_FILE_BYTES,
  MoveFileRequest,
  type FileResponse,
  type MovedFilesResponse,
} from '../../../shared/protocol/files.js';
import { ProjectParams } from '../../../shared/protocol/projects.js';
import { routes } from '../../../shared/protocol/routes.js';
import { AppError } from '../../http/errors.js';
import { parseBody, parseParams, toFieldIssues } from '../../http/validate.js';
import { principalOf } from '../auth/bearer.js';
import type { FileService } from './service.js';

function pathQuery(req: Request): string {
  const result = FilePathQuery.safeParse({ path: req.query.path });
  if (!result.success) {
    const details = toFieldIssues(result.error);
    throw new AppError(
      'validation_failed',
      req.query.path === undefined ? 'Say which file: add ?path=.' : `The path is invalid: ${details.map((d) => d.message).join(' ')}`,
      { details },
    );
  }
  return result.data.path;
}

export function fileRoutes(files: FileService): Router {
  const router = Router();
  // A file is sent as itself: any text type, up to 1 MiB (checked in UTF-8 bytes below, with a clear 400).
  const textBody = express.text({ type: () => true, limit: 4 * MAX_FILE_BYTES });
  router.get(routes.listFiles.path, async (req, res) => {
    res.json(await files.list(principalOf(req), parseParams(ProjectParams, req.params).id));
  });
  router.post(routes.createFile.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const { path, content } = parseBody(CreateFileRequest, req);
    res.status(201).json({ file: await files.create(principalOf(req), id, path, content) } satisfies FileResponse);
  });
  router.get(routes.readFile.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const content = await files.read(principalOf(req), id, pathQuery(req));
    res.type('text/plain; charset=utf-8').send(content);
  });
  router.put(routes.writeFile.path, textBody, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const path = pathQuery(req);
    const content = FileContent.safeParse(typeof req.body === 'string' ? req.body : '');
    if (!content.success)
      throw new AppError('validation_failed', content.error.issues[0]!.message, { details: toFieldIssues(content.error) });
    res.json({ file: await files.write(principalOf(req), id, path, content.data) } satisfies FileResponse);
  });
  router.patch(routes.moveFile.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const { from, to } = parseBody(MoveFileRequest, req);
    res.json({ files: await files.move(principalOf(req), id, from, to) } satisfies MovedFilesResponse);
  });
  router.delete(routes.deleteFile.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    await files.remove(principalOf(req), id, pathQuery(req));
    res.status(204).end();
  });
  return router;
}
