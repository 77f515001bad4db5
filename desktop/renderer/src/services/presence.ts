import type { DocHandle, DocHandleEphemeralMessagePayload } from '@automerge/automerge-repo/slim';
import type { SelfUser } from '../../../../shared/protocol/auth.js';
import type { ProjectDocument } from '../../../../shared/protocol/files.js';
import {
  PRESENCE_EXPIRY_MS,
  PRESENCE_HEARTBEAT_MS,
  PresenceMessage,
  type PresenceSelection,
} from '../../../../shared/protocol/presence.js';

export interface Collaborator {
  clientId: string;
  userId: string;
  username: string;
  color: string;
  path: string | null;
  selections: PresenceSelection[];
}

type Listener = (collaborators: Collaborator[]) => void;

/** Sending at most this often keeps a held arrow key from flooding the server. */
const SEND_INTERVAL_MS = 100;

/**
 * Who else has this project open, in which file, and where their cursors are: ephemeral messages on the
 * project document (see shared/protocol/presence.ts), sent on every change of ours and as a heartbeat.
 */
export class PresenceChannel {
  private readonly clientId = crypto.randomUUID();
  private readonly others = new Map<string, Collaborator & { seenAt: number }>();
  private readonly listeners = new Set<Listener>();
  private mine: { path: string | null; selections: PresenceSelection[] } = { path: null, selections: [] };
  private lastSent = 0;
  private sendTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(
    private readonly handle: DocHandle<ProjectDocument>,
    private readonly user: SelfUser,
  ) {
    handle.on('ephemeral-message', this.received);
    this.heartbeat = setInterval(() => {
      this.send();
      this.expire();
    }, PRESENCE_HEARTBEAT_MS);
    window.addEventListener('pagehide', this.leave);
    this.send();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.collaborators());
    return () => this.listeners.delete(listener);
  }

  collaborators(): Collaborator[] {
    return [...this.others.values()]
      .map(({ seenAt: _seenAt, ...collaborator }) => collaborator)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Where I am: sent at once, or within SEND_INTERVAL_MS when I move fast. */
  update(path: string | null, selections: PresenceSelection[]): void {
    this.mine = { path, selections };
    if (this.sendTimer) return;
    const wait = Math.max(0, this.lastSent + SEND_INTERVAL_MS - Date.now());
    this.sendTimer = setTimeout(() => {
      this.sendTimer = null;
      this.send();
    }, wait);
  }

  close(): void {
    this.leave();
    clearInterval(this.heartbeat);
    if (this.sendTimer) clearTimeout(this.sendTimer);
    window.removeEventListener('pagehide', this.leave);
    this.handle.off('ephemeral-message', this.received);
    this.listeners.clear();
  }

  private send(left = false): void {
    this.lastSent = Date.now();
    const message: PresenceMessage = {
      type: 'presence',
      clientId: this.clientId,
      userId: this.user.id,
      username: this.user.username,
      path: this.mine.path,
      selections: this.mine.selections,
      ...(left ? { left } : {}),
    };
    this.handle.broadcast(message);
  }

  private readonly leave = () => this.send(true);

  private readonly received = ({ message }: DocHandleEphemeralMessagePayload<ProjectDocument>) => {
    const parsed = PresenceMessage.safeParse(message);
    if (!parsed.success || parsed.data.clientId === this.clientId) return;
    const { userId, username, path, selections, left } = parsed.data;
    // The server vouches for the user id, not the client id: keyed by both, nobody can move or end another's window.
    const clientId = `${userId}:${parsed.data.clientId}`;
    const isNew = !this.others.has(clientId);
    if (isNew) this.dropSilentWindowsOf(userId);
    if (left) this.others.delete(clientId);
    else this.others.set(clientId, { clientId, userId, username, path, selections, color: colorOf(userId), seenAt: Date.now() });
    // Someone who just arrived learns where we are without waiting for our heartbeat.
    if (isNew && !left) this.send();
    this.notify();
  };

  /**
   * A window that reloads or reconnects comes back under a new client id, and its old one may not have
   * said goodbye (offline, crashed): once the same person shows up anew, their windows that missed a
   * heartbeat are gone, rather than lingering as a second, frozen cursor until they expire.
   */
  private dropSilentWindowsOf(userId: string): void {
    const cutoff = Date.now() - PRESENCE_HEARTBEAT_MS - 1000;
    for (const [clientId, other] of this.others) if (other.userId === userId && other.seenAt < cutoff) this.others.delete(clientId);
  }

  private expire(): void {
    const cutoff = Date.now() - PRESENCE_EXPIRY_MS;
    let changed = false;
    for (const [clientId, other] of this.others) {
      if (other.seenAt < cutoff) changed = this.others.delete(clientId);
    }
    if (changed) this.notify();
  }

  private notify(): void {
    const collaborators = this.collaborators();
    for (const listener of this.listeners) listener(collaborators);
  }
}

/** A stable, readable color per person (the same on every screen). */
export function colorOf(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 70% 62%)`;
}
