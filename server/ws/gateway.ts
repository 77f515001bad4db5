import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import { WS_TICKET_PARAM, WsCloseCode } from '../../shared/protocol/websocket.js';
import { errorBody } from '../http/errors.js';
import { redactUrl } from '../http/request-log.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../modules/auth/service.js';
import type { TicketService } from './tickets.js';

export interface WsRoute {
  /** Matched against the URL path; named groups become `params`. */
  pattern: RegExp;
  /** Overrides the server-wide maximum message size for this endpoint. */
  maxPayload?: number;
  onConnection(socket: WebSocket, context: { principal: Principal; params: Record<string, string>; request: IncomingMessage }): void;
}

interface TrackedSocket {
  socket: WebSocket;
  principal: Principal;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/**
 * The one way onto a WebSocket: every endpoint is reached through here, so each gets the Origin
 * allowlist, a single-use ticket, an explicit `maxPayload`, and is closed when its session ends.
 */
export class WebSocketGateway {
  private readonly routes: Array<{ route: WsRoute; server: WebSocketServer }> = [];
  private readonly sockets = new Set<TrackedSocket>();
  /** Sessions ended recently: an upgrade that redeemed its ticket just before the end must not survive it. */
  private readonly endedSessions = new Map<string, number>();
  private accepting = true;

  constructor(
    /** `allowedOrigins`: CORS_ORIGINS plus the server's own public origins. */
    private readonly options: { tickets: TicketService; allowedOrigins: readonly string[]; maxPayload: number; logger: Logger },
  ) {}

  register(route: WsRoute): void {
    const server = new WebSocketServer({ noServer: true, maxPayload: route.maxPayload ?? this.options.maxPayload });
    this.routes.push({ route, server });
  }

  /** Wire to `http.Server`'s 'upgrade' event. */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const log = this.options.logger.child({ url: redactUrl(request.url) });
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const matched = this.match(url.pathname);
      if (!matched) return refuse(socket, 404, 'not_found', `No WebSocket endpoint at ${url.pathname}.`);
      if (!this.accepting) return refuse(socket, 503, 'unavailable', 'The server is shutting down; reconnect in a moment.');
      if (!this.originAllowed(request)) {
        log.warn({ origin: request.headers.origin }, 'websocket refused: origin not allowed');
        return refuse(
          socket,
          403,
          'forbidden',
          'This page\u2019s origin may not open Tandem WebSockets. Add it to CORS_ORIGINS, or set PUBLIC_URL.',
        );
      }
      // Checked before the ticket is spent, so a malformed handshake does not burn it.
      if (!isWebSocketHandshake(request)) return refuse(socket, 400, 'bad_request', 'This is not a valid WebSocket handshake.');
      const ticket = url.searchParams.get(WS_TICKET_PARAM);
      if (!ticket) return refuse(socket, 401, 'unauthorized', `Missing ?${WS_TICKET_PARAM}=: get one from POST /api/ws-ticket.`);
      const principal = await this.options.tickets.redeem(ticket);
      if (!principal)
        return refuse(socket, 401, 'unauthorized', 'The ticket is invalid, used or expired: get a fresh one from POST /api/ws-ticket.');
      // Both may have changed while the ticket was checked.
      if (!this.accepting) return refuse(socket, 503, 'unavailable', 'The server is shutting down; reconnect in a moment.');
      if (this.endedSessions.has(principal.sessionId)) return refuse(socket, 401, 'unauthorized', 'The session has ended. Sign in again.');
      const { route, server } = matched.entry;
      server.handleUpgrade(request, socket, head, (ws) => {
        const tracked = { socket: ws, principal };
        this.sockets.add(tracked);
        ws.on('close', () => this.sockets.delete(tracked));
        // ws closes the socket itself on protocol errors (e.g. 1009 for an oversize message); without a
        // listener the 'error' event would crash the server.
        ws.on('error', (error) => log.info({ err: error, userId: principal.userId }, 'websocket closed on a protocol error'));
        route.onConnection(ws, { principal, params: matched.params, request });
      });
    } catch (error) {
      log.error({ err: error }, 'websocket upgrade failed');
      refuse(socket, 503, 'unavailable', 'The server could not check the ticket; try again.');
    }
  }

  /** Closes every socket of a session, e.g. on sign-out. */
  closeSession(sessionId: string): void {
    const now = Date.now();
    for (const [id, expires] of this.endedSessions) if (expires < now) this.endedSessions.delete(id);
    this.endedSessions.set(sessionId, now + 60_000);
    for (const { socket, principal } of this.sockets) {
      if (principal.sessionId === sessionId) socket.close(WsCloseCode.sessionEnded, 'session ended');
    }
  }

  /** Stops new upgrades and tells every open socket the server is going away. */
  closeAll(): void {
    this.accepting = false;
    for (const { socket } of this.sockets) socket.close(WsCloseCode.goingAway, 'server shutting down');
  }

  /** Ends sockets that did not finish their closing handshake in time. */
  terminateAll(): void {
    for (const { socket } of this.sockets) socket.terminate();
    for (const { server } of this.routes) server.close();
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  private match(pathname: string) {
    for (const entry of this.routes) {
      const result = entry.route.pattern.exec(pathname);
      if (result) return { entry, params: { ...result.groups } as Record<string, string> };
    }
    return undefined;
  }

  /**
   * No Origin means a non-browser client (a browser always sends one). Otherwise only listed origins:
   * matching the Host header instead would admit DNS-rebinding pages.
   */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return !origin || this.options.allowedOrigins.includes(origin);
  }
}

function isWebSocketHandshake(request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key'];
  const version = request.headers['sec-websocket-version'];
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    (version === '13' || version === '8')
  );
}

function refuse(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
