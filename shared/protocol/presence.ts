import { z } from 'zod';

/**
 * Presence travels as automerge-repo ephemeral messages on the project document: never stored, relayed
 * by the server to the project's other connected members. Each client sends its state when it changes
 * and as a heartbeat; a peer not heard from for PRESENCE_EXPIRY_MS has left.
 */
export const PRESENCE_HEARTBEAT_MS = 5_000;
export const PRESENCE_EXPIRY_MS = 15_000;

export const PresenceSelection = z.object({ anchor: z.number().int().min(0), head: z.number().int().min(0) });
export type PresenceSelection = z.infer<typeof PresenceSelection>;

export const PresenceMessage = z.object({
  type: z.literal('presence'),
  /** One per open window, so one person in two windows shows twice, each with its own cursor. */
  clientId: z.string().min(1).max(64),
  userId: z.string().uuid(),
  username: z.string().min(1).max(32),
  /** The file this window shows, or null on the file tree. */
  path: z.string().max(1024).nullable(),
  selections: z.array(PresenceSelection).max(64),
  /** Sent when a window closes, so others need not wait for the expiry. */
  left: z.boolean().optional(),
});
export type PresenceMessage = z.infer<typeof PresenceMessage>;
