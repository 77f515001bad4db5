import type { RunFile } from '../../../shared/protocol/runs.js';
import { SandboxError } from '../../../shared/sandbox/driver.js';

/** The `code` of an `{type: "error"}` message of the local run stream and local terminals. */
export type LocalSandboxErrorCode =
  'bad_request' | 'conflict' | 'validation_failed' | 'payload_too_large' | 'unavailable' | 'internal' | 'rate_limited' | 'busy';

/** A refusal worded for the user: the message goes to the screen as it is. */
export class LocalSandboxError extends Error {
  constructor(
    readonly code: LocalSandboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LocalSandboxError';
  }
}

/** The driver's failures in our words; anything else is returned as it is (a bug, to log and call internal). */
export function toLocalSandboxError(error: unknown): unknown {
  if (error instanceof SandboxError) return new LocalSandboxError(error.code === 'failed' ? 'internal' : 'unavailable', error.message);
  return error;
}

/** The server's rules for files written into /workspace (server/modules/runs/service.ts), which desktop/main may not import. */
export function checkWorkspacePaths(files: readonly RunFile[]): void {
  const paths = files.map((file) => file.path);
  const duplicate = paths.find((p, index) => paths.indexOf(p) !== index);
  if (duplicate) throw new LocalSandboxError('validation_failed', `The file "${duplicate}" is sent twice.`);
  const folderClash = paths.find((p) => paths.some((other) => other.startsWith(`${p}/`)));
  if (folderClash) {
    throw new LocalSandboxError('validation_failed', `"${folderClash}" is sent as a file and used as a folder by another path.`);
  }
}
