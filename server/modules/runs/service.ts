import { StringDecoder } from 'node:string_decoder';
import { languageForPath } from '../../../shared/protocol/files.js';
import {
  MAX_PROJECT_RUN_BYTES,
  MAX_RUN_BYTES,
  utf8Length,
  type RunFile,
  type LanguageInfo,
  type RunOutcome,
  type RunRequest,
  type RunResponse,
} from '../../../shared/protocol/runs.js';
import { SandboxError, type OutputStream, type RunHandle, type SandboxDriver, type SandboxLimits } from '../../../shared/sandbox/driver.js';
import type { ImageProvisioner } from '../../../shared/sandbox/images.js';
import { findLanguage, LANGUAGES, languageInfo, type LanguageDefinition } from '../../../shared/sandbox/languages.js';
import type { Config } from '../../config.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { Principal } from '../auth/service.js';
import type { RunRepository } from './repository.js';

export interface ActiveRun {
  id: string;
  userId: string;
  handle: RunHandle;
  /** Settles once the outcome is recorded. */
  outcome: Promise<RunOutcome>;
}

type LimitName = keyof Config['sandbox']['maximums'];
const LIMIT_UNITS: Record<LimitName, string> = { timeoutMs: 'ms', memoryMb: 'MB', cpus: 'CPUs', outputBytes: 'bytes' };

/** Decides whether and how code runs: language, files, limits, each user's share; the driver does the running. */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly perUser = new Map<string, number>();
  /** Runs between their request and their container: shutdown waits for them, then stops them. */
  private readonly starting = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly deps: {
      driver: SandboxDriver;
      images: ImageProvisioner;
      runs: RunRepository;
      sandbox: Config['sandbox'];
      logger: Logger;
      /** A project's current files, if the caller may see them (404 otherwise). */
      projectFiles(principal: Principal, projectId: string): Promise<RunFile[]>;
    },
  ) {}

  languages(): LanguageInfo[] {
    return LANGUAGES.map(languageInfo);
  }

  /** Checks the request, takes one of the user's run slots, makes sure the image exists, and starts. */
  async start(principal: Principal, request: RunRequest, onProgress: (message: string) => void = () => undefined): Promise<ActiveRun> {
    if (this.closing) throw new AppError('unavailable', 'The server is shutting down; run again in a moment.');
    const starting = this.startRun(principal, request, onProgress);
    this.starting.add(starting);
    void starting.catch(() => undefined).finally(() => this.starting.delete(starting));
    return starting;
  }

  private async startRun(principal: Principal, asked: RunRequest, onProgress: (message: string) => void): Promise<ActiveRun> {
    const request = await this.withFiles(principal, asked);
    const language = this.languageOf(request.language);
    const entry = this.entryOf(language, request);
    const limits = this.limitsOf(request);
    const bytes = request.files.reduce((sum, file) => sum + utf8Length(file.content), 0) + utf8Length(request.stdin ?? '');
    const allowed = asked.projectId ? MAX_PROJECT_RUN_BYTES : MAX_RUN_BYTES;
    if (bytes > allowed) {
      throw new AppError('payload_too_large', `Files and stdin together are ${bytes} bytes; a run takes at most ${allowed} bytes.`);
    }
    const running = this.perUser.get(principal.userId) ?? 0;
    if (running >= this.deps.sandbox.runsPerUser) {
      throw new AppError(
        'rate_limited',
        `You already have ${running} runs going, the most at once. Wait for one to finish, or stop it (POST /api/runs/:id/stop).`,
        { headers: { 'Retry-After': '1' } },
      );
    }
    this.perUser.set(principal.userId, running + 1);
    let recordedId: string | undefined;
    try {
      await this.ensureImage(language, onProgress);
      recordedId = await this.deps.runs.create({ userId: principal.userId, language: language.id });
      const handle = this.deps.driver.run({ language, files: request.files, entry, stdin: request.stdin, limits });
      const id = recordedId;
      const outcome = handle.result.then(
        async (result) => {
          await this.deps.runs
            .finish(id, result)
            .catch((error: unknown) => this.deps.logger.error({ err: error, runId: id }, 'recording a run failed'));
          return result;
        },
        async (error: unknown) => {
          await this.deps.runs.fail(id).catch(() => undefined);
          throw toAppError(error);
        },
      );
      const run: ActiveRun = { id, userId: principal.userId, handle, outcome };
      this.active.set(id, run);
      void outcome.catch(() => undefined).finally(() => this.release(run));
      return run;
    } catch (error) {
      if (recordedId) await this.deps.runs.fail(recordedId).catch(() => undefined);
      this.releaseSlot(principal.userId);
      throw toAppError(error);
    }
  }

  /** A run with its output collected, for POST /api/runs. */
  async runToCompletion(principal: Principal, request: RunRequest, signal?: AbortSignal): Promise<RunResponse> {
    const run = await this.start(principal, request);
    // A caller that hung up will never read the result: the sandbox is freed at once.
    if (signal?.aborted) void run.handle.stop();
    signal?.addEventListener('abort', () => void run.handle.stop(), { once: true });
    const collected: Record<OutputStream, { decoder: StringDecoder; text: string }> = {
      stdout: { decoder: new StringDecoder('utf8'), text: '' },
      stderr: { decoder: new StringDecoder('utf8'), text: '' },
    };
    run.handle.onOutput((stream, data) => (collected[stream].text += collected[stream].decoder.write(data)));
    const outcome = await run.outcome;
    return {
      runId: run.id,
      stdout: collected.stdout.text + collected.stdout.decoder.end(),
      stderr: collected.stderr.text + collected.stderr.decoder.end(),
      ...outcome,
    };
  }

  /** Stops a run from anywhere: its owner or an admin. */
  async stop(principal: Principal, runId: string): Promise<void> {
    const run = this.active.get(runId);
    if (run && (run.userId === principal.userId || principal.role === 'admin')) {
      await run.handle.stop();
      return;
    }
    const recorded = /^[0-9a-f-]{36}$/i.test(runId) ? await this.deps.runs.findOwner(runId) : null;
    if (!recorded || (recorded.userId !== principal.userId && principal.role !== 'admin')) {
      throw new AppError('not_found', `There is no run ${runId} of yours.`);
    }
    if (recorded.status !== 'running' || !run) throw new AppError('conflict', 'That run has already finished.');
  }

  /** Stops every run, for shutdown. */
  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.starting]);
    await Promise.all([...this.active.values()].map((run) => run.handle.stop()));
  }

  private release(run: ActiveRun): void {
    this.active.delete(run.id);
    this.releaseSlot(run.userId);
  }

  private releaseSlot(userId: string): void {
    const left = (this.perUser.get(userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(userId, left);
    else this.perUser.delete(userId);
  }

  private languageOf(id: string): LanguageDefinition {
    const language = findLanguage(id);
    if (!language) {
      throw new AppError('validation_failed', `Unknown language "${id}". Use one of: ${LANGUAGES.map((l) => l.id).join(', ')}.`, {
        details: [{ path: 'language', message: `one of ${LANGUAGES.map((l) => l.id).join(', ')}` }],
      });
    }
    return language;
  }

  /** A project run gets the project's files as they are now, and its language from the entry's extension. */
  private async withFiles(principal: Principal, request: RunRequest): Promise<RunRequest & { files: RunFile[]; language: string }> {
    if (request.files) return { ...request, files: request.files, language: request.language! };
    const files = await this.deps.projectFiles(principal, request.projectId!);
    const language = request.language ?? languageForPath(request.entry!);
    if (!request.language && !findLanguage(language)) {
      throw new AppError(
        'validation_failed',
        `Tandem cannot run "${request.entry}": its extension is not a language it runs. Name "language".`,
        {
          details: [{ path: 'entry', message: 'not a runnable file' }],
        },
      );
    }
    if (!files.some((file) => file.path === request.entry)) {
      throw new AppError('validation_failed', `The project has no file "${request.entry}".`, {
        details: [{ path: 'entry', message: 'not in the project' }],
      });
    }
    return { ...request, files, language };
  }

  private entryOf(language: LanguageDefinition, request: RunRequest & { files: RunFile[] }): string {
    const paths = request.files.map((file) => file.path);
    const duplicate = paths.find((p, index) => paths.indexOf(p) !== index);
    if (duplicate)
      throw new AppError('validation_failed', `The file "${duplicate}" is sent twice.`, {
        details: [{ path: 'files', message: 'duplicate path' }],
      });
    const folderClash = paths.find((p) => paths.some((other) => other.startsWith(`${p}/`)));
    if (folderClash) {
      throw new AppError('validation_failed', `"${folderClash}" is sent as a file and used as a folder by another path.`, {
        details: [{ path: 'files', message: 'a path is both a file and a folder' }],
      });
    }
    const entry =
      request.entry ?? (paths.includes(language.defaultEntry) ? language.defaultEntry : paths.length === 1 ? paths[0]! : undefined);
    if (!entry) {
      throw new AppError('validation_failed', `Say which file to run: add "entry" (for example "${language.defaultEntry}").`, {
        details: [{ path: 'entry', message: 'required when there are several files and none is ' + language.defaultEntry }],
      });
    }
    if (!paths.includes(entry)) {
      throw new AppError('validation_failed', `The entry "${entry}" is not among the files sent.`, {
        details: [{ path: 'entry', message: 'not among the files' }],
      });
    }
    return entry;
  }

  private limitsOf(request: RunRequest): SandboxLimits {
    const { defaults, maximums, pids, diskMb } = this.deps.sandbox;
    const asked = request.limits ?? {};
    for (const name of Object.keys(maximums) as LimitName[]) {
      const value = asked[name];
      if (value !== undefined && value > maximums[name]) {
        throw new AppError(
          'validation_failed',
          `limits.${name} of ${value} ${LIMIT_UNITS[name]} is above the allowance of ${maximums[name]} ${LIMIT_UNITS[name]}.`,
          {
            details: [{ path: `limits.${name}`, message: `at most ${maximums[name]}` }],
          },
        );
      }
    }
    return { ...defaults, ...asked, pids, diskMb };
  }

  private async ensureImage(language: LanguageDefinition, onProgress: (message: string) => void): Promise<void> {
    const availability = await this.deps.driver.available();
    if (!availability.ok) throw new AppError('unavailable', `Code cannot run right now: ${availability.reason}`);
    try {
      await this.deps.images.ensure(language.image, (message) => {
        this.deps.logger.info({ image: language.image }, message);
        onProgress(message);
      });
    } catch (error) {
      throw new AppError('unavailable', error instanceof Error ? error.message : String(error));
    }
  }
}

function toAppError(error: unknown): unknown {
  if (error instanceof SandboxError) {
    return new AppError(error.code === 'failed' ? 'internal' : 'unavailable', error.message);
  }
  return error;
}
