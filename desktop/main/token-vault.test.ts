import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KeychainUnavailableError,
  safeStorageEncryptor,
  TokenVault,
  type Encryptor,
  type SafeStorageLike,
  type StoredSession,
} from './token-vault.js';
import { MemoryKeychain } from './memory-keychain.js';
import { sampleSession } from './testing/fixtures.js';

const session = sampleSession();

let dir: string;
let file: string;
let keychain: MemoryKeychain;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-vault-'));
  file = path.join(dir, 'session.bin');
  keychain = new MemoryKeychain();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('TokenVault', () => {
  it('is signed out when nothing was saved', () => {
    expect(new TokenVault(file, keychain).load()).toBeNull();
  });

  it('keeps the session across restarts, encrypted: the token never appears on disk', () => {
    new TokenVault(file, keychain).save(session);
    expect(new TokenVault(file, keychain).load()).toEqual(session);
    const bytes = fs.readFileSync(file);
    expect(bytes.includes(session.refreshToken)).toBe(false);
    expect(bytes.includes('ada@example.com')).toBe(false);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['session.bin']);
  });

  it('replaces the session on save and forgets it on clear', () => {
    const vault = new TokenVault(file, keychain);
    vault.save(session);
    vault.save({ ...session, refreshToken: 'rt_rotated' });
    expect(vault.load()?.refreshToken).toBe('rt_rotated');
    vault.clear();
    expect(vault.load()).toBeNull();
    expect(fs.existsSync(file)).toBe(false);
    expect(() => vault.clear()).not.toThrow();
  });

  it('refuses to save without a keychain, says so, writes nothing, and drops the now-stale saved session', () => {
    const vault = new TokenVault(file, keychain);
    vault.save(session);
    keychain.available = false;
    expect(() => vault.save({ ...session, refreshToken: 'rt_rotated' })).toThrow(KeychainUnavailableError);
    expect(() => vault.save(session)).toThrow(/no keychain .*on Linux, install and unlock GNOME Keyring or KWallet/);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('keeps the file while the keychain is unavailable at load, in case it comes back', () => {
    new TokenVault(file, keychain).save(session);
    keychain.available = false;
    expect(new TokenVault(file, keychain).load()).toBeNull();
    keychain.available = true;
    expect(new TokenVault(file, keychain).load()).toEqual(session);
  });

  it('keeps the session when the keychain refuses to decrypt it once (access denied, or locked), so it loads on the next try', () => {
    new TokenVault(file, keychain).save(session);
    const saved = fs.readFileSync(file);
    let refusals = 1;
    const denyingOnce: Encryptor = {
      isAvailable: () => true,
      encrypt: (text) => keychain.encrypt(text),
      decrypt: (data) => {
        if (refusals > 0) {
          refusals -= 1;
          // What Electron's safeStorage throws when macOS's keychain prompt is answered with Deny.
          throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        }
        return keychain.decrypt(data);
      },
    };
    const vault = new TokenVault(file, denyingOnce);
    expect(vault.load()).toBeNull();
    expect(fs.readFileSync(file)).toEqual(saved);
    expect(vault.load()).toEqual(session);
  });

  it.each([
    ['another keychain encrypted it (a copied profile)', () => new MemoryKeychain().encrypt(JSON.stringify(session))],
    ['the file is damaged beyond decrypting', () => Buffer.from('garbage')],
    ['the file is empty', () => Buffer.alloc(0)],
  ])('reads as signed out but keeps a file the keychain will not decrypt (%s); the next sign-in replaces it', (_why, content) => {
    fs.writeFileSync(file, content());
    const vault = new TokenVault(file, keychain);
    expect(vault.load()).toBeNull();
    expect(fs.existsSync(file)).toBe(true);
    vault.save(session);
    expect(vault.load()).toEqual(session);
  });

  it.each([
    ['it decrypts to something that is not JSON', (k: MemoryKeychain) => k.encrypt('not json')],
    ['it decrypts to an older shape', (k: MemoryKeychain) => k.encrypt(JSON.stringify({ token: 'rt_old', userId: 'u1' }))],
    ['it decrypts to a session without a token', (k: MemoryKeychain) => k.encrypt(JSON.stringify({ ...session, refreshToken: '' }))],
  ])('removes a file that decrypts but is damaged (%s) and reads as signed out', (_why, content) => {
    fs.writeFileSync(file, content(keychain));
    expect(new TokenVault(file, keychain).load()).toBeNull();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses to save a session that is not one', () => {
    const vault = new TokenVault(file, keychain);
    expect(() => vault.save({ refreshToken: '', user: session.user })).toThrow();
    expect(() => vault.save({ refreshToken: 'rt' } as StoredSession)).toThrow();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('never writes a token an encryptor passed through unencrypted', () => {
    const passThrough: Encryptor = { isAvailable: () => true, encrypt: (text) => Buffer.from(text), decrypt: (data) => data.toString() };
    expect(() => new TokenVault(file, passThrough).save(session)).toThrow(KeychainUnavailableError);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('safeStorageEncryptor', () => {
  // Stands in for Electron's safeStorage object, which exists only inside Electron.
  const safeStorage = (available: boolean, backend?: string): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    encryptString: (text) => keychain.encrypt(text),
    decryptString: (data) => keychain.decrypt(data),
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
  });

  it.each([
    ['darwin', true, undefined, true],
    ['win32', true, undefined, true],
    ['darwin', false, undefined, false],
    ['linux', true, 'gnome_libsecret', true],
    ['linux', true, 'kwallet6', true],
    ['linux', true, 'basic_text', false],
    ['linux', true, 'unknown', false],
    ['linux', false, 'gnome_libsecret', false],
  ] as const)('on %s (encryption available: %s, backend %s) counts as available: %s', (platform, available, backend, expected) => {
    expect(safeStorageEncryptor(safeStorage(available, backend), platform).isAvailable()).toBe(expected);
  });

  it('makes Linux without a secret service keep the session in memory only', () => {
    const vault = new TokenVault(file, safeStorageEncryptor(safeStorage(true, 'basic_text'), 'linux'));
    expect(() => vault.save(session)).toThrow(KeychainUnavailableError);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('round-trips through safeStorage where a keychain exists', () => {
    const vault = new TokenVault(file, safeStorageEncryptor(safeStorage(true, 'gnome_libsecret'), 'linux'));
    vault.save(session);
    expect(vault.load()).toEqual(session);
  });
});
