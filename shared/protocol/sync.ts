import { z } from 'zod';

/**
 * automerge-repo's WebSocket sync protocol (version "1"), as the server checks it on arrival. Messages
 * are CBOR; these schemas describe the decoded objects. Anything else a client sends closes its socket.
 */
export const SYNC_PROTOCOL_VERSION = '1';

const PeerId = z.string().min(1).max(128);
const DocumentId = z.string().min(1).max(64);
const Bytes = z.instanceof(Uint8Array);

export const SyncPeerMetadata = z
  .object({ storageId: z.string().max(128).optional(), isEphemeral: z.boolean().optional() })
  .passthrough()
  .optional();

export const SyncJoinMessage = z.object({
  type: z.literal('join'),
  senderId: PeerId,
  peerMetadata: SyncPeerMetadata,
  supportedProtocolVersions: z.array(z.string()).optional(),
});
export type SyncJoinMessage = z.infer<typeof SyncJoinMessage>;

const addressed = { senderId: PeerId, targetId: PeerId, documentId: DocumentId };

/** What a joined peer may send; the remote-heads gossip messages are not offered by this server. */
export const SyncRepoMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), ...addressed, data: Bytes }),
  z.object({ type: z.literal('sync'), ...addressed, data: Bytes }),
  z.object({
    type: z.literal('ephemeral'),
    ...addressed,
    data: Bytes,
    count: z.number().int().nonnegative(),
    sessionId: z.string().max(128),
  }),
  z.object({ type: z.literal('doc-unavailable'), ...addressed }),
]);
export type SyncRepoMessage = z.infer<typeof SyncRepoMessage>;
