import { describe, expect, it } from 'vitest';
import { IpcChannels, type DeepLink } from '../../shared/protocol/ipc.js';
import { DEEP_LINK_INBOX_CAPACITY, DeepLinkInbox } from './deep-link-inbox.js';

const invite = (token: string): DeepLink => ({ kind: 'invite', token });
const open = (n: number): DeepLink => ({ kind: 'open', projectId: `3f2b8c1e-4d5a-4b6c-8d7e-${String(n).padStart(12, '0')}` });

describe('DeepLinkInbox', () => {
  it('is empty at first', () => {
    const inbox = new DeepLinkInbox();
    expect(inbox.take()).toEqual([]);
    expect(inbox.size).toBe(0);
  });

  it('keeps links until they are taken, oldest first, and taking empties it', () => {
    const inbox = new DeepLinkInbox();
    inbox.put(invite('abc'));
    inbox.put(open(1));
    // Nothing else reads them meanwhile: they are still there for a page that reloaded.
    expect(inbox.size).toBe(2);
    expect(inbox.take()).toEqual([invite('abc'), open(1)]);
    expect(inbox.take()).toEqual([]);
    inbox.put(open(2));
    expect(inbox.take()).toEqual([open(2)]);
  });

  it('keeps a link clicked twice once, as the newest', () => {
    const inbox = new DeepLinkInbox();
    inbox.put(invite('abc'));
    inbox.put(open(1));
    inbox.put({ kind: 'invite', token: 'abc' });
    expect(inbox.take()).toEqual([open(1), invite('abc')]);
  });

  it('tells links apart by their kind and exact value', () => {
    const inbox = new DeepLinkInbox();
    inbox.put(invite('abc'));
    inbox.put(invite('ABC'));
    inbox.put(open(1));
    inbox.put(open(2));
    expect(inbox.take()).toHaveLength(4);
  });

  it(`holds at most ${DEEP_LINK_INBOX_CAPACITY}, dropping the oldest, so a link flood cannot grow it`, () => {
    const inbox = new DeepLinkInbox();
    for (let n = 1; n <= 25; n += 1) inbox.put(open(n));
    const links = inbox.take();
    expect(links).toHaveLength(DEEP_LINK_INBOX_CAPACITY);
    expect(links[0]).toEqual(open(6));
    expect(links.at(-1)).toEqual(open(25));
    // What the inbox hands over always fits the channel's answer.
    inbox.put(invite('x'));
    for (let n = 1; n <= 40; n += 1) inbox.put(open(n));
    expect(IpcChannels['deepLink.take'].response.safeParse({ links: inbox.take() }).success).toBe(true);
  });

  it('takes a smaller capacity', () => {
    const inbox = new DeepLinkInbox(2);
    inbox.put(open(1));
    inbox.put(open(2));
    inbox.put(open(3));
    expect(inbox.take()).toEqual([open(2), open(3)]);
  });
});
