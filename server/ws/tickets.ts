import type { WsTicketResponse } from '../../shared/protocol/auth.js';
import { randomToken, sha256Hex } from '../modules/auth/secrets.js';
import type { AuthService, Principal } from '../modules/auth/service.js';
import type { TicketRepository } from './ticket-repository.js';

export const WS_TICKET_TTL_SECONDS = 30;

/**
 * Browsers cannot set headers on a WebSocket, so a client trades its bearer token for a ticket: single
 * use, 30 seconds, bound to the user and session, stored only as a hash.
 */
export class TicketService {
  constructor(
    private readonly repository: TicketRepository,
    private readonly auth: AuthService,
  ) {}

  async issue(principal: Principal, now = new Date()): Promise<WsTicketResponse> {
    const ticket = randomToken();
    await this.repository.create({
      tokenHash: sha256Hex(ticket),
      userId: principal.userId,
      sessionId: principal.sessionId,
      expiresAt: new Date(now.getTime() + WS_TICKET_TTL_SECONDS * 1000),
    });
    return { ticket, expiresInSeconds: WS_TICKET_TTL_SECONDS };
  }

  /** The principal a ticket admits, or null for a missing, used or expired ticket or an ended session. */
  async redeem(ticket: string, now = new Date()): Promise<Principal | null> {
    const claim = await this.repository.consume(sha256Hex(ticket), now);
    if (!claim) return null;
    return this.auth.principalOfSession(claim.sessionId, claim.userId);
  }
}
