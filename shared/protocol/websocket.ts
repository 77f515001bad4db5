/** Close codes every Tandem WebSocket endpoint uses (4000-4999 are the application's own). */
export const WsCloseCode = {
  /** The server is shutting down or restarting: reconnect with a fresh ticket. */
  goingAway: 1001,
  /** The session this socket belongs to was signed out or revoked: sign in again. */
  sessionEnded: 4001,
  /** The thing the socket is for (a terminal) does not exist, or is not yours. */
  notFound: 4004,
  /** A sync client broke automerge-repo's protocol (bad message, another peer's id): fix the client. */
  protocolViolation: 4400,
  /** The sync peer id is in use by another sign-in's connection: pick a new random peer id. */
  peerIdInUse: 4409,
  /** The server could not make an edit durable; reconnect, and the client's copy syncs again. */
  storageFailed: 4503,
} as const;

/** The query parameter that carries a single-use ticket from `POST /api/ws-ticket`. */
export const WS_TICKET_PARAM = 'ticket';
