import { z } from 'zod';

export const LanguageId = z.enum(['python', 'javascript', 'c', 'cpp', 'java', 'go', 'bash']);
export type LanguageId = z.infer<typeof LanguageId>;

export const LanguageInfo = z.object({
  id: LanguageId,
  name: z.string(),
  version: z.string(),
  extension: z.string(),
  image: z.string(),
  /** A hello-world program, the starting point of a new file or project. */
  template: z.string(),
  /** The file a run starts from when none is named. */
  defaultEntry: z.string(),
});
export type LanguageInfo = z.infer<typeof LanguageInfo>;
export const LanguagesResponse = z.array(LanguageInfo);

export const MAX_RUN_FILES = 50;
export const MAX_RUN_BYTES = 1024 * 1024;
const MAX_PATH_BYTES = 255;
const MAX_PATH_DEPTH = 16;

/** UTF-8 byte length, computed by hand: this isomorphic module has neither TextEncoder's DOM nor Node types. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const code = character.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** A path inside a sandbox's /workspace: relative, no "..", no control characters. */
export const WorkspacePath = z
  .string()
  .min(1, 'A file needs a path.')
  .refine((p) => utf8Length(p) <= MAX_PATH_BYTES, `A path has at most ${MAX_PATH_BYTES} bytes.`)
  // eslint-disable-next-line no-control-regex -- refusing control characters (NUL above all) is the point
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), 'A path may not contain control characters.')
  .refine((p) => !p.startsWith('/') && !/^[a-zA-Z]:/.test(p) && !p.includes('\\'), 'Use a relative path with "/" between folders.')
  .refine(
    (p) => p.split('/').every((part) => part !== '..' && part !== '.' && part !== ''),
    'A path may not contain "..", "." or empty parts.',
  )
  .refine((p) => p.split('/').length <= MAX_PATH_DEPTH, `A path has at most ${MAX_PATH_DEPTH} levels.`);

export const RunFile = z.object({ path: WorkspacePath, content: z.string() });
export type RunFile = z.infer<typeof RunFile>;

/** What a caller may ask for; the server clamps nothing silently: asking above the allowance is refused. */
export const RunLimitsRequest = z
  .object({
    timeoutMs: z.number().int().min(100, 'A run needs at least 100 ms.'),
    memoryMb: z.number().int().min(32, 'A sandbox needs at least 32 MB.'),
    cpus: z.number().min(0.01, 'A sandbox needs at least 0.01 CPU.'),
    outputBytes: z.number().int().min(1024, 'Allow at least 1024 bytes of output.'),
  })
  .partial();
export type RunLimitsRequest = z.infer<typeof RunLimitsRequest>;

/** A project's files are checked by the project's own rules (2,000 files of up to 1 MiB); a run takes this much of them. */
export const MAX_PROJECT_RUN_BYTES = 16 * 1024 * 1024;

/** Either `files` (with `language`), or `projectId` (with `entry`): the project's current files, at least viewer role. */
const RunRequestFields = z.object({
  language: z.string().optional(),
  files: z.array(RunFile).min(1, 'Send at least one file.').max(MAX_RUN_FILES, `Send at most ${MAX_RUN_FILES} files.`).optional(),
  projectId: z.string().uuid('Not a project id.').optional(),
  entry: WorkspacePath.optional(),
  stdin: z.string().optional(),
  limits: RunLimitsRequest.optional(),
});

function checkRunRequest(request: z.infer<typeof RunRequestFields>, context: z.RefinementCtx): void {
  if ((request.files === undefined) === (request.projectId === undefined)) {
    context.addIssue({ code: 'custom', path: ['files'], message: 'Send either "files" or "projectId", not both.' });
  }
  if (request.files !== undefined && request.language === undefined) {
    context.addIssue({ code: 'custom', path: ['language'], message: 'Say which language the files are in.' });
  }
  if (request.projectId !== undefined && request.entry === undefined) {
    context.addIssue({ code: 'custom', path: ['entry'], message: 'Say which file of the project to run.' });
  }
}
export const RunRequest = RunRequestFields.superRefine(checkRunRequest);
export type RunRequest = z.infer<typeof RunRequest>;

export const RunPhase = z.enum(['compile', 'run']);

export const RunOutcome = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  oomKilled: z.boolean(),
  outputTruncated: z.boolean(),
  durationMs: z.number().int(),
  phase: RunPhase,
  /** Stopped by a user (POST /api/runs/:id/stop or the stream's stop message). */
  stopped: z.boolean(),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

export const RunResponse = RunOutcome.extend({ runId: z.string(), stdout: z.string(), stderr: z.string() });
export type RunResponse = z.infer<typeof RunResponse>;

/** Messages a client sends on WS /api/runs/stream. */
export const RunStreamClientMessage = z.discriminatedUnion('type', [
  RunRequestFields.extend({ type: z.literal('start') }).superRefine(checkRunRequest),
  z.object({ type: z.literal('stdin'), data: z.string().max(64 * 1024) }),
  z.object({ type: z.literal('stdin-end') }),
  z.object({ type: z.literal('stop') }),
]);
export type RunStreamClientMessage = z.infer<typeof RunStreamClientMessage>;

/** Messages the server sends on WS /api/runs/stream, in this order: progress*, started, (stdout|stderr)*, exit. */
export const RunStreamServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), message: z.string() }),
  z.object({ type: z.literal('started'), runId: z.string() }),
  z.object({ type: z.literal('stdout'), data: z.string() }),
  z.object({ type: z.literal('stderr'), data: z.string() }),
  RunOutcome.extend({ type: z.literal('exit'), runId: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), details: z.unknown().optional() }),
]);
export type RunStreamServerMessage = z.infer<typeof RunStreamServerMessage>;
