import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcResultSchema } from '../../../shared/protocol/ipc.js';
import { DeepLinkInbox } from '../deep-link-inbox.js';
import { APP_ORIGIN } from '../security.js';
import { SettingsStore } from '../settings-store.js';
import { MemoryKeychain } from '../memory-keychain.js';
import { TokenVault } from '../token-vault.js';
import { createIpcHandlers } from './ipc-handlers.js';
import { handleIpcMessage, type IpcHandlers } from './ipc-guard.js';
import { sampleSession } from '../testing/fixtures.js';

const session = sampleSession();

/** Stands in for the OS keychain (safeStorage needs Electron): real AES-GCM, the key only in memory. */
const keychain = new MemoryKeychain();

let dir: string;
let settingsFile: string;
let vault: TokenVault;
/** Every confirmation the handler asked for, and what the user answers. */
let asked: Array<{ from: string; to: string }>;
let answer: boolean;
let handlers: IpcHandlers;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-ipc-handlers-'));
  settingsFile = path.join(dir, 'settings.json');
  vault = new TokenVault(path.join(dir, 'session.bin'), keychain);
  asked = [];
  answer = true;
  handlers = createIpcHandlers({
    settings: new SettingsStore(settingsFile),
    sessions: vault,
    confirmServerChange: async (from, to) => {
      asked.push({ from, to });
      return answer;
    },
    deepLinks: new DeepLinkInbox(),
    runLocation: async () => ({ where: 'cloud', label: 'Cloud' }),
    localSandbox: async () => {
      throw new Error('not used here');
    },
    openExternal: async () => {},
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const setServerUrl = async (url: string) => {
  const result = await handleIpcMessage(handlers, 'settings.setServerUrl', { url: `${APP_ORIGIN}/` }, { url }, { origins: [APP_ORIGIN] });
  // Whatever it answers fits the contract the renderer parses.
  expect(ipcResultSchema('settings.setServerUrl').safeParse(result).success).toBe(true);
  return result;
};
/** What the next start reads: the file on disk, through a fresh store. */
const savedServer = () => new SettingsStore(settingsFile).load().serverUrl;

/** A profile whose user chose `url` earlier and is signed in there. */
async function signedInAt(url: string) {
  await setServerUrl(url);
  vault.save(session);
  asked = [];
}

describe('settings.setServerUrl', () => {
  it('saves the first choice without asking', async () => {
    expect(await setServerUrl('localhost:4000')).toEqual({ ok: true, value: { ok: true, url: 'http://localhost:4000' } });
    expect(asked).toEqual([]);
    expect(savedServer()).toBe('http://localhost:4000');
  });

  it('asks before leaving a chosen server, naming both', async () => {
    await signedInAt('http://localhost:4000');
    await setServerUrl('https://tandem.example.com/');
    expect(asked).toEqual([{ from: 'http://localhost:4000', to: 'https://tandem.example.com' }]);
  });

  it('changes nothing when the user declines: same server, still signed in', async () => {
    await signedInAt('http://localhost:4000');
    answer = false;
    const result = await setServerUrl('https://tandem.example.com');
    expect(result).toEqual({ ok: true, value: { ok: false, cancelled: true, message: 'Tandem still uses http://localhost:4000.' } });
    expect(savedServer()).toBe('http://localhost:4000');
    expect(new TokenVault(path.join(dir, 'session.bin'), keychain).load()).toEqual(session);
  });

  it('refuses a second switch while the first question is still on screen', async () => {
    await signedInAt('http://localhost:4000');
    let release!: (answer: boolean) => void;
    handlers = createIpcHandlers({
      settings: new SettingsStore(settingsFile),
      sessions: vault,
      confirmServerChange: (from, to) => {
        asked.push({ from, to });
        return new Promise<boolean>((resolve) => (release = resolve));
      },
      deepLinks: new DeepLinkInbox(),
      runLocation: async () => ({ where: 'cloud', label: 'Cloud' }),
      localSandbox: async () => {
        throw new Error('not used here');
      },
      openExternal: async () => {},
    });
    const first = setServerUrl('https://one.example.com');
    await expect.poll(() => asked.length).toBe(1);
    expect(await setServerUrl('https://two.example.com')).toEqual({
      ok: true,
      value: { ok: false, message: 'Tandem is already asking whether to switch servers: answer that question first.' },
    });
    release(false);
    expect(await first).toMatchObject({ value: { ok: false, cancelled: true } });
    // Once answered, the next request may ask again.
    const third = setServerUrl('https://two.example.com');
    await expect.poll(() => asked.length).toBe(2);
    release(true);
    expect(await third).toEqual({ ok: true, value: { ok: true, url: 'https://two.example.com' } });
    expect(asked).toEqual([
      { from: 'http://localhost:4000', to: 'https://one.example.com' },
      { from: 'http://localhost:4000', to: 'https://two.example.com' },
    ]);
  });

  it("switches when the user agrees, and forgets the old server's session so its token never reaches the new one", async () => {
    await signedInAt('http://localhost:4000');
    expect(await setServerUrl('https://tandem.example.com')).toEqual({ ok: true, value: { ok: true, url: 'https://tandem.example.com' } });
    expect(savedServer()).toBe('https://tandem.example.com');
    expect(vault.load()).toBeNull();
    expect(fs.existsSync(path.join(dir, 'session.bin'))).toBe(false);
  });

  it('asks nothing and keeps the session when the address is the same server, however it is written', async () => {
    await signedInAt('http://localhost:4000');
    for (const same of ['http://localhost:4000', ' localhost:4000/ ', 'HTTP://LOCALHOST:4000']) {
      expect(await setServerUrl(same)).toEqual({ ok: true, value: { ok: true, url: 'http://localhost:4000' } });
    }
    expect(asked).toEqual([]);
    expect(vault.load()).toEqual(session);
  });

  it('asks nothing for an address it refuses anyway, and keeps everything', async () => {
    await signedInAt('http://localhost:4000');
    const result = await setServerUrl('http://tandem.example.com');
    expect(result).toMatchObject({ ok: true, value: { ok: false, message: expect.stringContaining('https://') } });
    expect(asked).toEqual([]);
    expect(savedServer()).toBe('http://localhost:4000');
    expect(vault.load()).toEqual(session);
  });

  it('drops a session left without a server (settings lost) on the first choice, since nobody knows whose it is', async () => {
    vault.save(session);
    await setServerUrl('https://tandem.example.com');
    expect(asked).toEqual([]);
    expect(vault.load()).toBeNull();
  });
});
