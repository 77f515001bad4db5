import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';

/**
 * JWT_SECRET when set; otherwise a secret generated once into the data directory (mode 0600), so a
 * fresh `npm start` needs no configuration and sessions survive restarts. Several servers behind one
 * address must share JWT_SECRET.
 */
export async function resolveJwtSecret(configured: string | undefined, dataDir: string, logger: Logger): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = (await fs.readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  await fs.writeFile(file, `${secret}\n`, { mode: 0o600 });
  logger.info({ file }, 'generated a JWT signing secret (set JWT_SECRET to choose your own)');
  return secret;
}
