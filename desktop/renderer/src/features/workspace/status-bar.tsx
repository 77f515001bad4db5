import { useEffect, useState } from 'react';
import type { ProjectRole } from '../../../../../shared/protocol/projects.js';
import type { Collaborator } from '../../services/presence.js';
import type { SyncService } from '../../services/sync-service.js';
import { useSyncStatus } from './use-sync-status.js';

export interface StatusBarProps {
  sync: SyncService;
  role: ProjectRole;
  collaborators: Collaborator[];
  following: string | null;
  onFollow(clientId: string): void;
  location: string;
}

const SLOW_SYNC_MS = 1000;

/** True once `value` has been true for `ms` without a break. */
function useHeldFor(value: boolean, ms: number): boolean {
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (!value) return setHeld(false);
    const timer = setTimeout(() => setHeld(true), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return held;
}

/** Whether work is safe and shared, who is here (click to follow), and where code runs. */
export function StatusBar({ sync, role, collaborators, following, onFollow, location }: StatusBarProps) {
  const { connection, pending } = useSyncStatus(sync);
  const waiting = pending === 1 ? '1 file' : `${pending} files`;
  // Online, every keystroke is pending for a moment: say "syncing" only when it takes a while.
  const slow = useHeldFor(pending > 0, SLOW_SYNC_MS);
  const text =
    connection === 'online'
      ? slow
        ? `Syncing ${waiting}…`
        : 'Online · all changes synced'
      : connection === 'connecting'
        ? 'Connecting…'
        : pending > 0
          ? `Offline · ${waiting} waiting to sync, saved on this device`
          : 'Offline · changes are saved on this device';
  return (
    <footer className="status-bar" aria-label="Status">
      <span
        className={`connection ${connection}`}
        data-testid="connection-status"
        data-state={connection}
        data-pending={pending}
        role="status"
      >
        <span className="dot" />
        {text}
      </span>
      <span className="muted" title="Every keystroke is saved and shared as you type: there is nothing to save by hand.">
        Saved automatically
      </span>
      {role === 'viewer' && <span className="badge">Viewer: read-only</span>}
      <span className="spacer" />
      <span className="people" aria-label="People here" data-testid="people-here">
        {collaborators.length === 0 ? (
          <span className="muted">Only you here</span>
        ) : (
          collaborators.map((person) => (
            <button
              key={person.clientId}
              className={`person${following === person.clientId ? ' following' : ''}`}
              style={{ borderColor: person.color }}
              onClick={() => onFollow(person.clientId)}
              title={
                following === person.clientId
                  ? `Stop following ${person.username}`
                  : `Follow ${person.username}${person.path ? ` (in ${person.path})` : ''}`
              }
              data-testid="collaborator"
            >
              <span className="avatar" style={{ background: person.color }}>
                {person.username.slice(0, 1).toUpperCase()}
              </span>
              {person.username}
              {person.path && <span className="muted"> · {person.path.slice(person.path.lastIndexOf('/') + 1)}</span>}
              {following === person.clientId && <span className="muted"> · following</span>}
            </button>
          ))
        )}
      </span>
      <span className="muted" title="Where runs and terminals execute">
        Runs on: {location}
      </span>
    </footer>
  );
}
