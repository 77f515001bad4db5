import { createContext, useContext, useEffect } from 'react';
import type { SelfUser } from '../../../shared/protocol/auth.js';
import type { ApiClient } from './services/api-client.js';
import type { LeaveGuard } from './services/leave-guard.js';
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

/** The app shell's leave guard (absent outside it): asked before the app leaves a project on its own. */
export const LeaveGuardContext = createContext<LeaveGuard | null>(null);

export function useLeaveGuard(): LeaveGuard | null {
  return useContext(LeaveGuardContext);
}

/** While `whatEnds` is set (e.g. "2 terminals running on this computer"), leaving asks first. */
export function useLeaveHold(whatEnds: string | undefined): void {
  const guard = useLeaveGuard();
  useEffect(() => (guard && whatEnds ? guard.hold(whatEnds) : undefined), [guard, whatEnds]);
}
