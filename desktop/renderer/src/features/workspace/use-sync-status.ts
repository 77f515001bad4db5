import { useEffect, useState } from 'react';
import type { ConnectionState, SyncService, SyncStatus } from '../../services/sync-service.js';

/** The whole sync status: changes with every keystroke (pending flips on and off), so only the status bar uses it. */
export function useSyncStatus(sync: SyncService): SyncStatus {
  const [status, setStatus] = useState(sync.status);
  useEffect(() => {
    setStatus(sync.status);
    return sync.subscribe(setStatus);
  }, [sync]);
  return status;
}

/** Only whether the server is connected: re-renders a screen when that changes, not on every keystroke. */
export function useConnection(sync: SyncService): ConnectionState {
  const [connection, setConnection] = useState(sync.status.connection);
  useEffect(() => {
    setConnection(sync.status.connection);
    return sync.subscribe((status) => setConnection(status.connection));
  }, [sync]);
  return connection;
}
