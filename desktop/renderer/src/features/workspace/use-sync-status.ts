import { useEffect, useState } from 'react';
import type { SyncService, SyncStatus } from '../../services/sync-service.js';

export function useSyncStatus(sync: SyncService): SyncStatus {
  const [status, setStatus] = useState(sync.status);
  useEffect(() => {
    setStatus(sync.status);
    return sync.subscribe(setStatus);
  }, [sync]);
  return status;
}
