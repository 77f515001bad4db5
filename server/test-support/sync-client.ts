import { Repo, type PeerId, type StorageAdapterInterface } from '@automerge/automerge-repo';
import { WsTicketResponse } from '../../shared/protocol/auth.js';
import { CLIENT_SYNC_THROTTLE_MS, TicketedWebSocketAdapter } from '../../shared/sync/ticketed-websocket-adapter.js';
import { request } from './http.js';

export interface SyncClient {
  repo: Repo;
  adapter: TicketedWebSocketAdapter;
  goOffline(): void;
  goOnline(): void;
  close(): Promise<void>;
}

/** A collaborator's own automerge-repo `Repo`, connected to the server's /sync as the IDE connects it. */
export function syncClient(
  serverUrl: string,
  token: string,
  options: { storage?: StorageAdapterInterface; peerId?: string; syncThrottleMs?: number } = {},
): SyncClient {
  const adapter = new TicketedWebSocketAdapter({
    serverUrl,
    retryIntervalMs: 200,
    fetchTicket: async () => {
      const response = await request(serverUrl, 'POST', '/api/ws-ticket', { token });
      if (response.status !== 201) throw new Error(`ticket: ${response.status} ${response.text}`);
      return WsTicketResponse.parse(response.body).ticket;
    },
  });
  const repo = new Repo({
    network: [adapter],
    syncDebounceRate: options.syncThrottleMs ?? CLIENT_SYNC_THROTTLE_MS,
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.peerId ? { peerId: options.peerId as PeerId } : {}),
  });
  return {
    repo,
    adapter,
    goOffline: () => repo.networkSubsystem.disconnect(),
    goOnline: () => repo.networkSubsystem.reconnect(),
    close: async () => {
      repo.networkSubsystem.disconnect();
      await repo.shutdown().catch(() => undefined);
    },
  };
}

/** Polls until `check` passes (returns without throwing), or fails with its last error. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
