/** Close codes every Tandem WebSocket endpoint uses (4000-4999 are the application's own). */
export const WsCloseCode = {
  /** The server is shutting down or restarting: reconnect with a fresh ticket. */
  goingAway: 1001,
  /** The session this socket belongs to was signed out or revoked: sign in again. */
  sessionEnded: 4001,
  /** The thing the socket is for (a terminal) does not exist, or is not yours. */
  notFound: 4004,
} as const;

/** The query parameter that carries a single-use ticket from `POST /api/ws-ticket`. */
export const WS_TICKET_PARAM = 'ticket';
