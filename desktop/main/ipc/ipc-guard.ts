import {
  IpcChannels,
  isIpcChannel,
  type IpcChannel,
  type IpcError,
  type IpcResponse,
  type IpcResult,
} from '../../../shared/protocol/ipc.js';
import { isAppUrl, type TrustedOrigins } from '../security.js';

/**
 * The checks every IPC message passes before the main process acts on it, as a plain module: the channel is
 * one of ours, the sending frame is one of the app's own pages, the payload parses with the channel's
 * schema. Every refusal is an answer (`{ ok: false, error }`), never an exception thrown across the bridge.
 */

/** What a handler gets: the parsed request (zod output, so defaults and transforms applied). */
export type IpcHandlers = {
  [C in IpcChannel]: (request: ParsedRequest<C>) => Promise<IpcResponse<C>> | IpcResponse<C>;
};
type ParsedRequest<C extends IpcChannel> = ReturnType<(typeof IpcChannels)[C]['request']['parse']>;

export type GuardResult<C extends IpcChannel = IpcChannel> =
  { ok: true; channel: C; request: ParsedRequest<C> } | { ok: false; error: IpcError };

/** The sending frame, as Electron describes it; `undefined` when the frame is gone (navigated away, closed). */
export interface IpcSender {
  url: string | undefined;
}

const refuse = (code: IpcError['code'], message: string) => ({ ok: false as const, error: { code, message } });

export function checkIpcMessage(channel: unknown, sender: IpcSender | undefined, payload: unknown, trusted: TrustedOrigins): GuardResult {
  if (!isIpcChannel(channel)) return refuse('unknown_channel', `"${describe(channel)}" is not a Tandem desktop channel.`);
  if (!sender || !isAppUrl(sender.url, trusted)) {
    // Devtools, another site in a frame, a file:// page: none of them may use the app's privileges.
    return refuse(
      'forbidden_sender',
      `${channel} may be called only from Tandem's own pages, not from ${describe(sender?.url ?? 'a page that is gone')}.`,
    );
  }
  const parsed = IpcChannels[channel].request.safeParse(payload ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`).join('; ');
    return refuse('invalid_request', `${channel} got a malformed request: ${issues}`);
  }
  return { ok: true, channel, request: parsed.data as ParsedRequest<IpcChannel> } as GuardResult;
}

/**
 * Checks a message, runs its handler and checks the answer against the channel's response schema too (a
 * handler returning the wrong shape is our bug, reported as `failed` instead of reaching the renderer).
 */
export async function handleIpcMessage(
  handlers: IpcHandlers,
  channel: unknown,
  sender: IpcSender | undefined,
  payload: unknown,
  trusted: TrustedOrigins,
  log: (message: string, error?: unknown) => void = () => {},
): Promise<IpcResult<unknown>> {
  const checked = checkIpcMessage(channel, sender, payload, trusted);
  if (!checked.ok) {
    log(`IPC refused: ${checked.error.message}`);
    return checked;
  }
  const name = checked.channel;
  let value: unknown;
  try {
    value = await (handlers[name] as (request: unknown) => unknown)(checked.request);
  } catch (error) {
    log(`IPC ${name} failed`, error);
    return refuse('failed', `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const response = IpcChannels[name].response.safeParse(value);
  if (!response.success) {
    log(`IPC ${name} answered with the wrong shape`, response.error);
    return refuse('failed', `${name} failed: the answer did not match its contract.`);
  }
  return { ok: true, value: response.data };
}

/** For messages: at most 100 characters of whatever the caller sent. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
