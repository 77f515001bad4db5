import type { DeepLink } from '../../shared/protocol/ipc.js';

/** As many links as `deepLink.take` may answer with (its schema's maximum). */
export const DEEP_LINK_INBOX_CAPACITY = 20;

/**
 * The deep links the OS handed over that the page has not taken yet. They wait in the main process, not in
 * the page, so a reload (choosing a server reloads) or a signed-out start loses none: the page takes them
 * when it can act on them. A link clicked twice waits once, as the newest; past the capacity the oldest go.
 */
export class DeepLinkInbox {
  private links: DeepLink[] = [];

  constructor(private readonly capacity = DEEP_LINK_INBOX_CAPACITY) {}

  put(link: DeepLink): void {
    const key = keyOf(link);
    this.links = this.links.filter((waiting) => keyOf(waiting) !== key);
    this.links.push(link);
    if (this.links.length > this.capacity) this.links.splice(0, this.links.length - this.capacity);
  }

  /** The waiting links, oldest first; they are the caller's now. */
  take(): DeepLink[] {
    return this.links.splice(0);
  }

  get size(): number {
    return this.links.length;
  }
}

function keyOf(link: DeepLink): string {
  return link.kind === 'invite' ? `invite/${link.token}` : `open/${link.projectId}`;
}
