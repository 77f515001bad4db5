import { languageForPath } from '../../../../../shared/protocol/files.js';
import { MAX_RUN_FILES, type RunFile } from '../../../../../shared/protocol/runs.js';
import type { ApiClient } from '../../services/api-client.js';
import { serverRunTarget, type RunStartMessage, type RunTarget } from '../../services/run-stream.js';

/** How the run panel runs a file: where the stream is, and what the start message carries. */
export interface Runner {
  target: RunTarget;
  /** The start message for a run of `entry`. */
  startMessage(entry: string): Promise<RunStartMessage>;
  /** Before each run; server runs wait for this device's edits to reach the server (or give up). */
  beforeRun?: () => Promise<void>;
}

/** Runs on the server, which takes the project's current files. */
export function serverRunner(api: ApiClient, projectId: string, beforeRun?: () => Promise<void>): Runner {
  return {
    target: serverRunTarget(api),
    startMessage: async (entry) => ({ type: 'start', projectId, entry }),
    ...(beforeRun ? { beforeRun } : {}),
  };
}

/**
 * Runs on this computer's Docker engine (the desktop app): the files come from this device's own copies, so a
 * run needs no server and shows exactly what is in the editor.
 */
export function localRunner(target: RunTarget, readFiles: () => Promise<RunFile[]>): Runner {
  return {
    target,
    async startMessage(entry) {
      const files = await readFiles();
      if (files.length > MAX_RUN_FILES) {
        throw new Error(`a run on this computer takes at most ${MAX_RUN_FILES} files, and this project has ${files.length}.`);
      }
      return { type: 'start', language: languageForPath(entry), files, entry };
    },
  };
}
