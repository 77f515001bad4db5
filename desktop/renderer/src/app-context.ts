import { createContext, useContext } from 'react';
import type { SelfUser } from '../../../shared/protocol/auth.js';
import type { ApiClient } from './services/api-client.js';
import type { OfflineCache } from './services/offline-cache.js';
import type { Session } from './services/session.js';
import type { SyncService } from './services/sync-service.js';

export interface SignedIn {
  session: Session;
  api: ApiClient;
  user: SelfUser;
  sync: SyncService;
  cache: OfflineCache;
}

export const SignedInContext = createContext<SignedIn | null>(null);

export function useSignedIn(): SignedIn {
  const value = useContext(SignedInContext);
  if (!value) throw new Error('useSignedIn outside a signed-in screen');
  return value;
}
