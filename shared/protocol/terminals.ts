import { z } from 'zod';
import { LanguageId, RunFile, WorkspacePath } from './runs.js';

export const TerminalSize = z.object({
  cols: z.number().int().min(1).max(1000),
  rows: z.number().int().min(1).max(1000),
});

/**
 * Without `projectId`, a private terminal with an empty /workspace. With it, a terminal shared with the
 * project's members, its /workspace holding the project's files as they are now (editor or owner role to
 * open it). The language defaults to the one `entry`'s extension names, if Tandem runs it, else bash.
 */
export const CreateTerminalRequest = z
  .object({
    language: LanguageId.optional(),
    projectId: z.string().uuid('Not a project id.').optional(),
    entry: WorkspacePath.optional(),
  })
  .extend(TerminalSize.partial().shape)
  .refine((request) => request.entry === undefined || request.projectId !== undefined, {
    path: ['entry'],
    message: '"entry" names a file of a project: send "projectId" with it.',
  });
export type CreateTerminalRequest = z.input<typeof CreateTerminalRequest>;

export const CreateTerminalResponse = z.object({ terminalId: z.string() });
export type CreateTerminalResponse = z.infer<typeof CreateTerminalResponse>;

/** An open terminal of a project, as GET /api/projects/:id/terminals lists it to any member. */
export const ProjectTerminal = z.object({
  terminalId: z.string(),
  /** Whoever opened it: they, or an owner of the project, may close it. */
  owner: z.object({ userId: z.string(), username: z.string() }),
  language: LanguageId,
  /** The file it was opened for, if any. */
  entry: z.string().nullable(),
  createdAt: z.string().datetime(),
  /** Connections attached to it right now. */
  attached: z.number().int().min(0),
});
export type ProjectTerminal = z.infer<typeof ProjectTerminal>;

/** Oldest first. */
export const ProjectTerminalsResponse = z.object({ terminals: z.array(ProjectTerminal) });
export type ProjectTerminalsResponse = z.infer<typeof ProjectTerminalsResponse>;

/**
 * WS /api/terminals/:id. Output travels server → client as **binary frames** of raw terminal bytes (a
 * client that attaches first receives the recent scrollback as one binary frame). Everything else is a
 * JSON text frame: these from the client…
 */
export const TerminalClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input'), data: z.string().max(64 * 1024) }),
  TerminalSize.extend({ type: z.literal('resize') }),
]);
export type TerminalClientMessage = z.infer<typeof TerminalClientMessage>;

/** …and these from the server. After `exit` the server closes the socket. */
export const TerminalServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exit'), exitCode: z.number().int().nullable(), reason: z.enum(['exited', 'idle', 'deleted', 'shutdown']) }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type TerminalServerMessage = z.infer<typeof TerminalServerMessage>;

/**
 * The desktop app's terminals on this computer's Docker engine: ws://127.0.0.1:PORT/terminals?token=…,
 * served by the main process (desktop/main/local-sandbox) to the app's own pages only. One socket is one
 * private shell: the client's first message is `open` (the project's files come from this device's own
 * copies, so it works offline); the shell ends when either side closes. Output is binary frames, as on
 * WS /api/terminals/:id.
 */
export const MAX_LOCAL_TERMINAL_FILES = 2000;

/** Terminals on this computer at once (the main process refuses more), counted apart from local runs. */
export const MAX_LOCAL_TERMINALS = 4;

export const LocalTerminalOpen = z
  .object({
    type: z.literal('open'),
    /** Defaults to the language `entry`'s extension names, if Tandem runs it, else bash. */
    language: LanguageId.optional(),
    entry: WorkspacePath.optional(),
    /** Written into /workspace before the shell starts (together at most MAX_PROJECT_RUN_BYTES). */
    files: z.array(RunFile).max(MAX_LOCAL_TERMINAL_FILES, `A terminal on this computer takes at most ${MAX_LOCAL_TERMINAL_FILES} files.`),
  })
  .extend(TerminalSize.shape);
export type LocalTerminalOpen = z.infer<typeof LocalTerminalOpen>;

/**
 * Flow control measured where it matters: the page acknowledges output bytes once xterm has drawn them, and
 * the shell's output is paused while too many are unacknowledged. The socket's own buffer on loopback says
 * nothing about a renderer that falls behind.
 */
export const LocalTerminalAck = z.object({
  type: z.literal('ack'),
  bytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024),
});

export const LocalTerminalClientMessage = z.discriminatedUnion('type', [
  LocalTerminalOpen,
  LocalTerminalAck,
  ...TerminalClientMessage.options,
]);
export type LocalTerminalClientMessage = z.infer<typeof LocalTerminalClientMessage>;

export const LocalTerminalServerMessage = z.discriminatedUnion('type', [
  /** The image is being built on this computer (first use of a language): what is happening, for the screen. */
  z.object({ type: z.literal('progress'), message: z.string() }),
  /** The shell runs; output follows as binary frames. */
  z.object({ type: z.literal('opened'), language: LanguageId }),
  ...TerminalServerMessage.options,
]);
export type LocalTerminalServerMessage = z.infer<typeof LocalTerminalServerMessage>;
