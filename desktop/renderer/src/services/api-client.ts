import type { z } from 'zod';
import { ErrorBody, FieldIssue } from '../../../../shared/protocol/errors.js';
import { PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER } from '../../../../shared/protocol/version.js';
import { WS_TICKET_PARAM } from '../../../../shared/protocol/websocket.js';
import { WsTicketResponse } from '../../../../shared/protocol/auth.js';
import { routes } from '../../../../shared/protocol/routes.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A failed call, with a message fit to show a person: the server's own, or what to do when it is unreachable. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** 0 when the server could not be reached. */
    readonly status: number,
    /** The server's error code, or `network`. */
    readonly code: string,
    readonly requestId?: string,
    /** Per-field problems of a `validation_failed` answer. */
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get offline(): boolean {
    return this.status === 0;
  }
}

/** What to show a person for a failure of any kind. */
export function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  response?: S;
  query?: Record<string, string>;
}

export interface ApiClient {
  readonly serverUrl: string;
  /** Bearer auth and silent refresh included; the answer is parsed with `response` (undefined without one). */
  request<S extends z.ZodType = z.ZodUndefined>(method: HttpMethod, path: string, options?: RequestOptions<S>): Promise<z.infer<S>>;
  /** ws(s)://server/path?ticket=… with a fresh single-use ticket. */
  socketUrl(path: string): Promise<string>;
  /** A fresh single-use WebSocket ticket. */
  ticket(): Promise<string>;
}

/** Where access tokens come from: the session, which refreshes them. */
export interface AccessTokens {
  /** A token that was valid a moment ago (refreshing it first if it had expired). */
  current(): Promise<string>;
  /** The server refused `token`: get a new one, or sign out if the session is over. */
  rejected(token: string): Promise<string>;
}

/** One HTTP exchange with the server, parsed; no auth of its own. `signal` ends it (AbortSignal.timeout: a deadline). */
export async function send<S extends z.ZodType>(
  serverUrl: string,
  method: HttpMethod,
  path: string,
  options: RequestOptions<S> & { token?: string; signal?: AbortSignal } = {},
): Promise<z.infer<S>> {
  const url = new URL(path, serverUrl);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { [PROTOCOL_VERSION_HEADER]: String(PROTOCOL_VERSION), Accept: 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch {
    if (options.signal?.aborted) throw stopped(serverUrl, options.signal);
    throw new ApiError(
      `Cannot reach the Tandem server at ${serverUrl}. Check your connection; edits you make meanwhile are kept on this device.`,
      0,
      'network',
    );
  }
  if (!response.ok) throw await errorOf(response);
  if (!options.response || response.status === 204) return undefined as z.infer<S>;
  const body: unknown = await response.json().catch(() => undefined);
  // Stopped while the answer was still arriving: that is no answer, not a malformed one.
  if (options.signal?.aborted) throw stopped(serverUrl, options.signal);
  const parsed = options.response.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      `The server at ${serverUrl} answered ${method} ${path} in a form this app does not understand. Update Tandem, or tell the server's admin.`,
      response.status,
      'bad_response',
      response.headers.get('x-request-id') ?? undefined,
    );
  }
  return parsed.data;
}

function stopped(serverUrl: string, signal: AbortSignal): ApiError {
  const late = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
  return late
    ? new ApiError(`The Tandem server at ${serverUrl} did not answer in time. Try again in a moment.`, 0, 'timeout')
    : new ApiError('The request was stopped before the server answered.', 0, 'aborted');
}

async function errorOf(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const body = ErrorBody.safeParse(await response.json().catch(() => undefined));
  if (body.success) {
    const details = FieldIssue.array().safeParse(body.data.error.details);
    const { message, code } = body.data.error;
    return new ApiError(message, response.status, code, body.data.error.requestId ?? requestId, details.success ? details.data : []);
  }
  const generic =
    response.status >= 500
      ? `The server had a problem (${response.status}). Try again in a moment.`
      : `The server refused the request (${response.status}).`;
  return new ApiError(generic, response.status, response.status >= 500 ? 'internal' : 'bad_request', requestId);
}

export function createApiClient(serverUrl: string, tokens: AccessTokens): ApiClient {
  const client: ApiClient = {
    serverUrl,
    async request(method, path, options = {}) {
      const token = await tokens.current();
      try {
        return await send(serverUrl, method, path, { ...options, token });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        // Expired early (clock skew, a server restart with a new secret): one retry with a fresh token.
        return send(serverUrl, method, path, { ...options, token: await tokens.rejected(token) });
      }
    },
    async ticket() {
      const { ticket } = await client.request(routes.wsTicket.method, routes.wsTicket.path, { response: WsTicketResponse });
      return ticket;
    },
    async socketUrl(path) {
      const ticket = await client.ticket();
      const url = new URL(path, serverUrl);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set(WS_TICKET_PARAM, ticket);
      return url.toString();
    },
  };
  return client;
}
