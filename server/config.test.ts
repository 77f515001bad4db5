import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with no settings at all: embedded database, port 4000, loopback', () => {
    const config = loadConfig({}, '/srv/tandem');
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      database: { url: undefined, poolSize: 10, embeddedDir: path.join('/srv/tandem', '.tandem', 'db') },
      trustProxy: false,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      adminUsernames: [],
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db:5432/tandem',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com/',
      ADMIN_USERNAMES: 'Alice,bob',
      TRUST_PROXY: '1',
      ARGON2_MEMORY_KIB: '65536',
    });
    expect(config.port).toBe(8080);
    expect(config.database.url).toBe('postgresql://u:p@db:5432/tandem');
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.adminUsernames).toEqual(['alice', 'bob']);
    expect(config.trustProxy).toBe(1);
    expect(config.argon2.memoryCost).toBe(65536);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
  });

  it('names every bad value with what it expected, all at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://localhost/tandem',
      JWT_SECRET: 'short',
      CORS_ORIGINS: 'not a url',
      TRUST_PROXY: 'true',
      ARGON2_MEMORY_KIB: '1024',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: expected a whole number from 0 to 65535, got "eighty"/),
        expect.stringMatching(/^DATABASE_URL: expected a URL like postgresql:/),
        expect.stringMatching(/^JWT_SECRET: expected at least 32 characters/),
        expect.stringMatching(/^CORS_ORIGINS.*expected origins like https:/),
        expect.stringMatching(/^TRUST_PROXY: .*"true" would trust any client-supplied X-Forwarded-For/),
        expect.stringMatching(/^ARGON2_MEMORY_KIB: expected a whole number from 19456/),
        expect.stringMatching(/^LOG_LEVEL: /),
      ]),
    );
  });
});
