import fs from 'node:fs';
import { StoredSession } from '../../shared/protocol/ipc.js';
import { writeFileAtomically } from './settings-store.js';

export type { StoredSession };

/** What the vault needs from Electron's safeStorage, so the vault runs (and is tested) under plain Node. */
export interface Encryptor {
  isAvailable(): boolean;
  encrypt(text: string): Buffer;
  decrypt(data: Buffer): string;
}

/** The part of Electron's `safeStorage` the vault uses; structural, so this module never imports electron. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export const KEYCHAIN_UNAVAILABLE_MESSAGE =
  "This computer has no keychain Tandem can use to keep you signed in (on Linux, install and unlock GNOME Keyring or KWallet). You'll stay signed in until you quit Tandem.";

/** Thrown by save() when the OS keychain cannot encrypt; the app keeps the session in memory instead. */
export class KeychainUnavailableError extends Error {
  constructor() {
    super(KEYCHAIN_UNAVAILABLE_MESSAGE);
    this.name = 'KeychainUnavailableError';
  }
}

/**
 * Adapts Electron's safeStorage. On Linux without a secret service Chromium falls back to "basic_text",
 * a key compiled into every copy of the app, which safeStorage still reports as available: that is
 * plaintext in all but name, so it counts as unavailable here ("unknown" is what it says before ready).
 */
export function safeStorageEncryptor(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): Encryptor {
  return {
    isAvailable() {
      if (!safeStorage.isEncryptionAvailable()) return false;
      if (platform !== 'linux') return true;
      const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
      return backend !== 'basic_text' && backend !== 'unknown';
    },
    encrypt: (text) => safeStorage.encryptString(text),
    decrypt: (data) => safeStorage.decryptString(data),
  };
}

/**
 * The signed-in session (its refresh token and user), encrypted by the OS keychain in one file in userData;
 * never in the renderer's localStorage. Nothing is ever written unencrypted: without a keychain, save()
 * refuses. A file the keychain will not decrypt reads as signed out but stays: the user may have denied
 * Tandem access to the keychain this once, or it may be locked, and the session works again once it is
 * allowed (a file that can never decrypt, from another machine's keychain, is replaced at the next sign-in).
 * A file that decrypts to something that is not a session is damaged: it is deleted, so the user signs in
 * again instead of meeting an error each start.
 */
export class TokenVault {
  constructor(
    private readonly file: string,
    private readonly encryptor: Encryptor,
  ) {}

  load(): StoredSession | null {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      return null;
    }
    // A locked or not-yet-started keychain may come back: keep the file for the next start.
    if (!this.encryptor.isAvailable()) return null;
    let text: string;
    try {
      text = this.encryptor.decrypt(data);
    } catch {
      // Refused (the user clicked Deny on macOS's keychain prompt) or locked: not a reason to forget the session.
      return null;
    }
    const session = StoredSession.safeParse(parseJson(text));
    if (session.success) return session.data;
    this.clear();
    return null;
  }

  save(session: StoredSession): void {
    const valid = StoredSession.parse(session);
    if (!this.encryptor.isAvailable()) {
      // Refresh tokens rotate, so a session stored earlier is stale now; leaving it would only fail later.
      this.clear();
      throw new KeychainUnavailableError();
    }
    const encrypted = this.encryptor.encrypt(JSON.stringify(valid));
    // A last guard against an encryptor that passes text through: the token must not be readable on disk.
    if (encrypted.includes(valid.refreshToken)) throw new KeychainUnavailableError();
    writeFileAtomically(this.file, encrypted, 0o600);
  }

  clear(): void {
    try {
      fs.rmSync(this.file, { force: true });
    } catch {
      // Signing out must not fail because the file is already gone or locked; the next save replaces it.
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
