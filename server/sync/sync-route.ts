import { socketPaths } from '../../shared/protocol/routes.js';
import type { WsRoute } from '../ws/gateway.js';
import type { SyncServerAdapter } from './sync-server-adapter.js';

/** WS /sync?ticket=: automerge-repo's standard sync protocol, for any member's own `Repo`. */
export function syncSocketRoute(adapter: SyncServerAdapter, maxPayload: number): WsRoute {
  return {
    pattern: new RegExp(`^${socketPaths.sync}$`),
    maxPayload,
    onConnection(socket, { principal }) {
      adapter.accept(socket, principal);
    },
  };
}
