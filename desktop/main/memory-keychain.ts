import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Encryptor } from './token-vault.js';

/**
 * A real encryptor whose key lives only in this process's memory, as the OS keychain's key lives in the
 * keychain: AES-256-GCM. It stands in for Electron's safeStorage where Electron is not running (the browser
 * shell, tests under Node). Another instance is another machine's keychain; `available` false is a locked one.
 */
export class MemoryKeychain implements Encryptor {
  private readonly key = randomBytes(32);
  available = true;

  isAvailable(): boolean {
    return this.available;
  }

  encrypt(text: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(data: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  }
}
