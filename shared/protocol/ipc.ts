import { z } from 'zod';
import { SelfUser } from './auth.js';

/**
 * The desktop app's IPC contract: every channel the renderer may invoke (`area.verb`), each with a zod request
 * and response, and the one event the main process sends. The main process parses every request on arrival;
 * the renderer parses every response (`IpcChannels[channel].response`). The preload's API type is derived
 * from here, so a channel added here and forgotten in the preload fails to type-check.
 */

/**
 * The origin of the desktop app's pages (the built renderer served under a custom scheme). The server allows
 * it for CORS and WebSockets alongside CORS_ORIGINS: no web page can have it.
 */
export const DESKTOP_APP_ORIGIN = 'app://tandem';

/** What survives a restart: the refresh token (never the access token) and who it belongs to. */
export const StoredSession = z.object({
  refreshToken: z.string().min(1).max(200),
  user: SelfUser,
});
export type StoredSession = z.infer<typeof StoredSession>;

export const RunLocationSetting = z.enum(['cloud', 'local', 'auto']);
export type RunLocationSetting = z.infer<typeof RunLocationSetting>;

/** Where runs and terminals go now, as shown in the run and terminal panels, or why they cannot go anywhere. */
export const RunLocationDecision = z.union([
  z.object({ where: z.enum(['cloud', 'local']), label: z.string() }),
  z.object({ where: z.literal('none'), message: z.string(), whatToDo: z.string() }),
]);
export type RunLocationDecision = z.infer<typeof RunLocationDecision>;

/** A `tandem://` link the OS handed to the app, already parsed and checked by the main process. */
export const DeepLink = z.union([
  z.object({ kind: z.literal('invite'), token: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) }),
  z.object({ kind: z.literal('open'), projectId: z.string().uuid() }),
]);
export type DeepLink = z.infer<typeof DeepLink>;

// Longer than any real address; a renderer bug cannot hand the main process megabytes to store.
const MAX_URL_LENGTH = 2048;
const NoArguments = z.strictObject({});

export const DesktopSettingsView = z.object({
  /** null until the user picks a server on first start. */
  serverUrl: z.string().nullable(),
  runLocation: RunLocationSetting,
});
export type DesktopSettingsView = z.infer<typeof DesktopSettingsView>;

const Failure = z.object({ ok: z.literal(false), message: z.string() });
/** The user said no in a native confirmation the main process showed (nothing changed). */
const Cancelled = z.object({ ok: z.literal(false), cancelled: z.literal(true), message: z.string() });

/** Commands from the application menu that the page carries out (it owns the screens). */
export const AppCommand = z.object({ command: z.enum(['changeServer']) });
export type AppCommand = z.infer<typeof AppCommand>;

/** Every channel the renderer may invoke, with its request and response. */
export const IpcChannels = {
  'settings.get': { request: NoArguments, response: DesktopSettingsView },
  /**
   * On first start it just saves. Once a server is chosen, the main process asks the user in a native dialog
   * (a page script cannot answer it) and, if they agree, forgets the old server's session.
   */
  'settings.setServerUrl': {
    request: z.strictObject({ url: z.string().max(MAX_URL_LENGTH) }),
    response: z.union([z.object({ ok: z.literal(true), url: z.string() }), Cancelled, Failure]),
  },
  'settings.setRunLocation': {
    request: z.strictObject({ runLocation: RunLocationSetting }),
    response: z.object({ ok: z.literal(true), runLocation: RunLocationSetting }),
  },
  'session.load': { request: NoArguments, response: z.object({ session: StoredSession.nullable() }) },
  'session.save': {
    request: z.strictObject({ session: StoredSession }),
    // The OS keychain may be unavailable (Linux without a secret service): the session is then not kept.
    response: z.union([z.object({ ok: z.literal(true) }), Failure]),
  },
  'session.clear': { request: NoArguments, response: z.object({ ok: z.literal(true) }) },
  'runLocation.get': { request: NoArguments, response: RunLocationDecision },
  /**
   * The main process's run stream and terminals on this computer's Docker engine:
   * ws://127.0.0.1:PORT/runs/stream?token=… and ws://127.0.0.1:PORT/terminals?token=…
   */
  'localSandbox.connect': {
    request: NoArguments,
    response: z.object({
      url: z.string().regex(/^ws:\/\/127\.0\.0\.1:\d{1,5}\/runs\/stream\?token=[A-Za-z0-9_-]+$/),
      terminalUrl: z.string().regex(/^ws:\/\/127\.0\.0\.1:\d{1,5}\/terminals\?token=[A-Za-z0-9_-]+$/),
    }),
  },
  /**
   * The deep links waiting in the main process, oldest first; taking them removes them. The page takes them
   * when it can act on them (a link survives a reload, such as the one after choosing a server).
   */
  'deepLink.take': { request: NoArguments, response: z.object({ links: z.array(DeepLink).max(20) }) },
  'shell.openExternal': {
    request: z.strictObject({
      url: z
        .string()
        .max(MAX_URL_LENGTH)
        .pipe(z.url({ protocol: /^https?$/, error: 'Only http:// and https:// addresses open in the browser.' })),
    }),
    response: z.union([z.object({ ok: z.literal(true) }), Failure]),
  },
} as const;

export type IpcChannel = keyof typeof IpcChannels;
export const IPC_CHANNEL_NAMES = Object.keys(IpcChannels) as IpcChannel[];

export function isIpcChannel(name: unknown): name is IpcChannel {
  return typeof name === 'string' && Object.hasOwn(IpcChannels, name);
}

export type IpcRequest<C extends IpcChannel> = z.input<(typeof IpcChannels)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof IpcChannels)[C]['response']>;

/**
 * Events the main process sends to the renderer: `deepLink.available` (no payload: links wait, call
 * `deepLink.take`) and `app.command` (a menu item the page carries out).
 */
export const IpcEvents = { 'deepLink.available': z.object({}), 'app.command': AppCommand } as const;
export type IpcEvent = keyof typeof IpcEvents;
export const DEEP_LINK_EVENT = 'deepLink.available' satisfies IpcEvent;
export const APP_COMMAND_EVENT = 'app.command' satisfies IpcEvent;

/** Why the main process refused or failed a call. Refusals are answers, never exceptions across the bridge. */
export const IpcErrorCode = z.enum(['unknown_channel', 'forbidden_sender', 'invalid_request', 'failed']);
export type IpcErrorCode = z.infer<typeof IpcErrorCode>;

export const IpcError = z.object({ code: IpcErrorCode, message: z.string() });
export type IpcError = z.infer<typeof IpcError>;

/** Every invoke resolves to one of these. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** The schema of a channel's result, for the renderer to parse what the bridge hands it. */
export function ipcResultSchema<C extends IpcChannel>(channel: C) {
  return z.union([
    z.object({ ok: z.literal(true), value: IpcChannels[channel].response }),
    z.object({ ok: z.literal(false), error: IpcError }),
  ]);
}

type AreaOf<C> = C extends `${infer Area}.${string}` ? Area : never;
type Invoker<C extends IpcChannel> =
  Record<string, never> extends IpcRequest<C>
    ? (request?: IpcRequest<C>) => Promise<IpcResult<IpcResponse<C>>>
    : (request: IpcRequest<C>) => Promise<IpcResult<IpcResponse<C>>>;

/**
 * `window.tandemDesktop`, as the preload exposes it: one function per channel, grouped by area
 * (`settings.setServerUrl` is `tandemDesktop.settings.setServerUrl({ url })`), and the deep-link subscription.
 */
export type TandemDesktopApi = {
  readonly [Area in AreaOf<IpcChannel>]: {
    readonly [C in IpcChannel as C extends `${Area}.${infer Verb}` ? Verb : never]: Invoker<C>;
  };
} & {
  /**
   * Calls back whenever deep links wait in the main process (also once at subscription, so a link that came
   * before the page is not missed): the page then calls `deepLink.take()`. Returns an unsubscribe.
   */
  readonly onDeepLinksWaiting: (callback: () => void) => () => void;
  /** Calls back for each application-menu command (unparsed: the page checks it with AppCommand). */
  readonly onCommand: (callback: (command: unknown) => void) => () => void;
};
