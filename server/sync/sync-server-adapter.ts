import { Automerge, cbor, NetworkAdapter, type Message, type PeerId, type PeerMetadata } from '@automerge/automerge-repo/slim';
import type { WebSocket } from 'ws';
import { PresenceMessage } from '../../shared/protocol/presence.js';
import { SYNC_PROTOCOL_VERSION, SyncJoinMessage, SyncRepoMessage } from '../../shared/protocol/sync.js';
import { WsCloseCode } from '../../shared/protocol/websocket.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../modules/auth/service.js';
import type { DocumentGrant } from './document-access.js';

export interface SyncServerAdapterOptions {
  grant(userId: string, documentId: string): Promise<DocumentGrant | null>;
  /** Resolves when the document's current state is committed: only then may a sync reply announce it. */
  persisted(documentId: string): Promise<void>;
  /** The document's change hashes the server holds, to keep a read-only peer's unknown heads out. */
  knownHeads(documentId: string, heads: string[]): string[];
  /** A writable peer's changes to a document were handed to the repo. */
  onRemoteChange(documentId: string): void;
  logger: Logger;
  keepAliveMs: number;
}

interface Connection {
  socket: WebSocket;
  principal: Principal;
  peerId?: PeerId;
  alive: boolean;
  /** Incoming and outgoing messages are each handled in order, though checking them is asynchronous. */
  inbound: Promise<void>;
  outbound: Promise<void>;
}

/**
 * automerge-repo's server side of the WebSocket protocol, with Tandem's rules at the door: a peer id is
 * bound to the connection (and sign-in) that claimed it; a peer syncs only documents of its projects, and
 * any other document looks unavailable, exactly as a missing one does; a read-only peer's changes are
 * stripped before the repo sees them; and a sync message leaves only once what it announces is durable.
 */
export class SyncServerAdapter extends NetworkAdapter {
  private readonly connections = new Map<PeerId, Connection>();
  /**
   * Per document, the peers whose own changes may not be committed yet, each with a count that grows with
   * every change they send: a sync message to such a peer announces its changes as held by the server, so
   * it waits for the commit. Everyone else gets others' changes at once: relaying them promises nothing
   * about the server's disk, and their authors still hold them until their own acknowledgement.
   */
  private readonly uncommitted = new Map<string, Map<PeerId, number>>();
  private readonly all = new Set<Connection>();
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly options: SyncServerAdapterOptions) {
    super();
  }

  isReady(): boolean {
    return true;
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId;
    this.peerMetadata = peerMetadata;
    this.keepAlive = setInterval(() => this.checkAlive(), this.options.keepAliveMs);
    this.keepAlive.unref();
  }

  disconnect(): void {
    clearInterval(this.keepAlive);
    for (const connection of this.all) connection.socket.terminate();
  }

  /** The user a connected peer belongs to. */
  userOf(peerId: PeerId): string | undefined {
    return this.connections.get(peerId)?.principal.userId;
  }

  accept(socket: WebSocket, principal: Principal): void {
    const connection: Connection = { socket, principal, alive: true, inbound: Promise.resolve(), outbound: Promise.resolve() };
    this.all.add(connection);
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data, isBinary) => {
      connection.inbound = connection.inbound
        .then(() => this.receive(connection, data as Buffer, isBinary))
        .catch((error: unknown) => {
          this.options.logger.error({ err: error, userId: principal.userId }, 'sync message handling failed');
          socket.close(WsCloseCode.storageFailed, 'the server could not handle a message; reconnect');
        });
    });
    socket.on('close', () => {
      this.all.delete(connection);
      if (connection.peerId && this.connections.get(connection.peerId) === connection) {
        this.connections.delete(connection.peerId);
        // The peer may come back under the same id: its marks go only once what it sent is committed.
        const peerId = connection.peerId;
        for (const [documentId, peers] of this.uncommitted) {
          if (peers.has(peerId)) void this.committedFor(peerId, documentId).catch(() => undefined);
        }
        this.emit('peer-disconnected', { peerId: connection.peerId });
      }
    });
  }

  send(message: Message): void {
    const connection = this.connections.get(message.targetId);
    if (!connection) return;
    connection.outbound = connection.outbound
      .then(() => this.deliver(connection, message))
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, documentId: message.documentId }, 'could not make a document durable before syncing it');
        connection.socket.close(WsCloseCode.storageFailed, 'the server could not save; reconnect to sync again');
      });
  }

  private async deliver(connection: Connection, message: Message): Promise<void> {
    if (message.documentId && message.type !== 'doc-unavailable') {
      // Access may have been revoked since the repo decided to send.
      if (!(await this.options.grant(connection.principal.userId, message.documentId))) return;
      if (message.type === 'request') await this.options.persisted(message.documentId);
      if (message.type === 'sync') await this.committedFor(message.targetId, message.documentId);
    }
    this.write(connection, message);
  }

  private write(connection: Connection, message: object): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    connection.socket.send(cbor.encode(message));
  }

  private async receive(connection: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    let decoded: unknown;
    try {
      if (!isBinary) throw new Error('text frame');
      decoded = cbor.decode(data);
    } catch {
      return this.violation(connection, 'messages are CBOR in binary frames');
    }
    if (!connection.peerId) {
      const join = SyncJoinMessage.safeParse(decoded);
      if (!join.success) return this.violation(connection, 'the first message must be a valid "join"');
      return this.join(connection, join.data);
    }
    const parsed = SyncRepoMessage.safeParse(decoded);
    if (!parsed.success) {
      // Known but unoffered types (remote-heads gossip) are ignored; anything malformed ends the connection.
      const type = (decoded as { type?: unknown } | null)?.type;
      if (type === 'remote-subscription-change' || type === 'remote-heads-changed') return;
      return this.violation(connection, `not a valid sync message${typeof type === 'string' ? ` of type "${type}"` : ''}`);
    }
    const message = parsed.data;
    if (message.senderId !== connection.peerId) {
      // automerge-repo floods ephemeral messages: a client passes on what it heard from others, under their
      // sender id. The server relayed those itself already, so the echo is dropped; anything else is forgery.
      if (message.type === 'ephemeral') return;
      return this.violation(connection, 'a message claimed another peer\u2019s id');
    }
    if (message.targetId !== this.peerId) return;
    const grant = await this.options.grant(connection.principal.userId, message.documentId);
    if (!grant) {
      if (message.type === 'request' || message.type === 'sync') {
        this.write(connection, {
          type: 'doc-unavailable',
          senderId: this.peerId,
          targetId: message.senderId,
          documentId: message.documentId,
        });
      }
      return;
    }
    if (message.type === 'ephemeral' && !this.isOwnPresence(connection, message.data)) return;
    if ((message.type === 'sync' || message.type === 'request') && !grant.writable) {
      this.emit('message', { ...message, data: this.readOnly(message.documentId, message.data) } as Message);
      return;
    }
    const changed = message.type === 'sync' && Automerge.decodeSyncMessage(message.data).changes.length > 0;
    // Marked before the repo sees the changes, so no reply that includes them can skip the commit.
    if (changed) this.markUncommitted(message.senderId as PeerId, message.documentId);
    this.emit('message', message as Message);
    if (changed) this.options.onRemoteChange(message.documentId);
  }

  /**
   * Ephemeral messages are relayed to every member with the document open, so they carry only presence,
   * and only about the sender: nobody can show a cursor under someone else's name.
   */
  private isOwnPresence(connection: Connection, data: Uint8Array): boolean {
    let decoded: unknown;
    try {
      decoded = cbor.decode(data);
    } catch {
      return false;
    }
    const presence = PresenceMessage.safeParse(decoded);
    return (
      presence.success && presence.data.userId === connection.principal.userId && presence.data.username === connection.principal.username
    );
  }

  private markUncommitted(peerId: PeerId, documentId: string): void {
    let peers = this.uncommitted.get(documentId);
    if (!peers) this.uncommitted.set(documentId, (peers = new Map()));
    peers.set(peerId, (peers.get(peerId) ?? 0) + 1);
  }

  /** Resolves once every change `peerId` sent for the document is committed (at once if it sent none since). */
  private async committedFor(peerId: PeerId, documentId: string): Promise<void> {
    const mark = this.uncommitted.get(documentId)?.get(peerId);
    if (mark === undefined) return;
    await this.options.persisted(documentId);
    // A change that arrived while we waited may not be in what was committed: its mark stays.
    const peers = this.uncommitted.get(documentId);
    if (peers?.get(peerId) !== mark) return;
    peers.delete(peerId);
    if (peers.size === 0) this.uncommitted.delete(documentId);
  }

  /** The message without its changes, and without heads the server does not have (they would be asked for). */
  private readOnly(documentId: string, data: Uint8Array): Uint8Array {
    const decoded = Automerge.decodeSyncMessage(data);
    if (decoded.changes.length === 0 && decoded.heads.length === 0) return data;
    return Automerge.encodeSyncMessage({ ...decoded, changes: [], heads: this.options.knownHeads(documentId, decoded.heads) });
  }

  private join(connection: Connection, join: SyncJoinMessage): void {
    const peerId = join.senderId as PeerId;
    if (join.supportedProtocolVersions && !join.supportedProtocolVersions.includes(SYNC_PROTOCOL_VERSION)) {
      this.write(connection, { type: 'error', senderId: this.peerId, targetId: peerId, message: 'unsupported protocol version' });
      connection.socket.close(WsCloseCode.protocolViolation, 'unsupported protocol version');
      return;
    }
    const holder = this.connections.get(peerId);
    if (holder && holder !== connection) {
      if (holder.principal.sessionId !== connection.principal.sessionId) {
        this.options.logger.warn({ userId: connection.principal.userId, peerId }, 'sync peer id already held by another sign-in');
        this.write(connection, { type: 'error', senderId: this.peerId, targetId: peerId, message: 'peer id in use' });
        connection.socket.close(WsCloseCode.peerIdInUse, 'this peer id is in use by another connection');
        return;
      }
      // The same sign-in reconnecting before its old socket was noticed dead: the new one takes over.
      this.connections.delete(peerId);
      holder.socket.close(WsCloseCode.goingAway, 'replaced by a newer connection');
      this.emit('peer-disconnected', { peerId });
    }
    connection.peerId = peerId;
    this.connections.set(peerId, connection);
    const { storageId, isEphemeral } = join.peerMetadata ?? {};
    // Sync state is stored per storage id: namespaced by user, one account cannot overwrite another's.
    const peerMetadata: PeerMetadata = {
      ...(storageId ? { storageId: `${connection.principal.userId}.${storageId}` as PeerMetadata['storageId'] } : {}),
      isEphemeral: isEphemeral ?? !storageId,
    };
    this.emit('peer-candidate', { peerId, peerMetadata });
    this.write(connection, {
      type: 'peer',
      senderId: this.peerId,
      targetId: peerId,
      peerMetadata: this.peerMetadata,
      selectedProtocolVersion: SYNC_PROTOCOL_VERSION,
    });
  }

  private violation(connection: Connection, reason: string): void {
    this.options.logger.warn({ userId: connection.principal.userId, reason }, 'sync protocol violation');
    connection.socket.close(WsCloseCode.protocolViolation, reason.slice(0, 120));
  }

  private checkAlive(): void {
    for (const connection of this.all) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}
