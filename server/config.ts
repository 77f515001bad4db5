import { DEFAULT_SANDBOX_LIMITS } from '../shared/sandbox/driver.js';
import path from 'node:path';
import { z } from 'zod';

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) {
      return url.origin;
    }
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `expected origins like https://ide.example.com, got "${value}"` });
  return z.NEVER;
});

const EnvSchema = z.object({
  PORT: integer(0, 65535, 4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined))
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
      message: 'expected a URL like postgresql://user:password@host:5432/tandem (or leave it unset for the embedded database)',
    }),
  DATABASE_POOL_SIZE: integer(1, 100, 10),
  TANDEM_DATA_DIR: z.string().min(1).default('.tandem'),
  EMBEDDED_DB_PORT: integer(0, 65535, 0),
  JWT_SECRET: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.length >= 32, {
      message: 'expected at least 32 characters (for example the output of `openssl rand -base64 48`)',
    }),
  PUBLIC_URL: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim() : undefined))
    .pipe(origin.optional()),
  JWT_ISSUER: z.string().min(1).default('tandem'),
  JWT_AUDIENCE: z.string().min(1).default('tandem'),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) => commaList(value ?? 'http://localhost:5173,http://127.0.0.1:5173'))
    .pipe(z.array(origin)),
  ADMIN_USERNAMES: z
    .string()
    .optional()
    .transform((value) => commaList(value).map((name) => name.toLowerCase())),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, ctx): false | number | string[] => {
      const raw = (value ?? 'false').trim();
      if (raw === '' || raw === 'false') return false;
      if (/^\d+$/.test(raw)) return Number(raw);
      if (raw === 'true') {
        ctx.addIssue({
          code: 'custom',
          message:
            'expected the number of proxies in front of the server (e.g. 1) or their addresses; "true" would trust any client-supplied X-Forwarded-For',
        });
        return z.NEVER;
      }
      return commaList(raw);
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTH_RATE_LIMIT_PER_MINUTE: integer(1, 100000, 30),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600000, 10000),
  // Above a run's 1 MiB of files, so a run that is too large gets the run's own, precise answer.
  JSON_BODY_LIMIT_BYTES: integer(1024, 64 * 1024 * 1024, 2 * 1024 * 1024),
  WS_MAX_PAYLOAD_BYTES: integer(1024, 64 * 1024 * 1024, 1024 * 1024),
  /** One sync message can carry a whole document's history (a first sync, or long offline work). */
  /** Least time between two sync messages for one document to one peer; automerge-repo's own is 100 ms. */
  SYNC_THROTTLE_MS: integer(0, 1000, 5),
  SYNC_MAX_MESSAGE_BYTES: integer(64 * 1024, 512 * 1024 * 1024, 64 * 1024 * 1024),
  ARGON2_MEMORY_KIB: integer(19456, 4 * 1024 * 1024, 19456),
  ARGON2_TIME_COST: integer(2, 100, 2),
  ARGON2_PARALLELISM: integer(1, 64, 1),
  RENDERER_DIR: z.string().min(1).default('dist/renderer'),
  SANDBOX_TIMEOUT_MS: integer(100, 3_600_000, DEFAULT_SANDBOX_LIMITS.timeoutMs),
  SANDBOX_MAX_TIMEOUT_MS: integer(100, 3_600_000, 60_000),
  SANDBOX_MEMORY_MB: integer(32, 65_536, DEFAULT_SANDBOX_LIMITS.memoryMb),
  SANDBOX_MAX_MEMORY_MB: integer(32, 65_536, 1024),
  SANDBOX_CPUS: z
    .string()
    .optional()
    .transform((value) => Number(value ?? DEFAULT_SANDBOX_LIMITS.cpus))
    .pipe(z.number().positive().max(64)),
  SANDBOX_MAX_CPUS: z
    .string()
    .optional()
    .transform((value) => Number(value ?? 2))
    .pipe(z.number().positive().max(64)),
  SANDBOX_OUTPUT_BYTES: integer(1024, 64 * 1024 * 1024, DEFAULT_SANDBOX_LIMITS.outputBytes),
  SANDBOX_MAX_OUTPUT_BYTES: integer(1024, 64 * 1024 * 1024, 8 * 1024 * 1024),
  SANDBOX_PIDS: integer(16, 65_536, DEFAULT_SANDBOX_LIMITS.pids),
  SANDBOX_DISK_MB: integer(1, 65_536, DEFAULT_SANDBOX_LIMITS.diskMb),
  SANDBOX_RUNS_PER_USER: integer(1, 1000, 2),
  SANDBOX_BUILD_MISSING_IMAGES: z.enum(['true', 'false']).default('true'),
  TERMINALS_PER_USER: integer(1, 1000, 2),
  TERMINAL_IDLE_SECONDS: integer(5, 24 * 3600, 30 * 60),
  TERMINAL_NETWORK: z.enum(['true', 'false']).default('false'),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  /** The origin users reach the server at, when not localhost (behind a proxy, or on the LAN). */
  publicUrl: string | undefined;
  database: { url: string | undefined; poolSize: number; embeddedDir: string; embeddedPort: number };
  dataDir: string;
  jwt: { secret: string | undefined; issuer: string; audience: string };
  corsOrigins: string[];
  adminUsernames: string[];
  trustProxy: false | number | string[];
  logLevel: string;
  authRateLimitPerMinute: number;
  shutdownTimeoutMs: number;
  jsonBodyLimitBytes: number;
  wsMaxPayloadBytes: number;
  syncMaxMessageBytes: number;
  syncThrottleMs: number;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  rendererDir: string;
  sandbox: {
    defaults: { timeoutMs: number; memoryMb: number; cpus: number; outputBytes: number };
    maximums: { timeoutMs: number; memoryMb: number; cpus: number; outputBytes: number };
    pids: number;
    diskMb: number;
    runsPerUser: number;
    buildMissingImages: boolean;
    terminalsPerUser: number;
    terminalIdleMs: number;
    terminalNetwork: boolean;
  };
  dockerEnv: Record<string, string | undefined>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once at start; every bad value is named with what was expected. */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.TANDEM_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      embeddedDir: path.join(dataDir, 'db'),
      embeddedPort: e.EMBEDDED_DB_PORT,
    },
    dataDir,
    jwt: { secret: e.JWT_SECRET, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    corsOrigins: e.CORS_ORIGINS,
    adminUsernames: e.ADMIN_USERNAMES,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    jsonBodyLimitBytes: e.JSON_BODY_LIMIT_BYTES,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    syncMaxMessageBytes: e.SYNC_MAX_MESSAGE_BYTES,
    syncThrottleMs: e.SYNC_THROTTLE_MS,
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
    rendererDir: path.resolve(cwd, e.RENDERER_DIR),
    sandbox: {
      defaults: {
        timeoutMs: e.SANDBOX_TIMEOUT_MS,
        memoryMb: e.SANDBOX_MEMORY_MB,
        cpus: e.SANDBOX_CPUS,
        outputBytes: e.SANDBOX_OUTPUT_BYTES,
      },
      maximums: {
        timeoutMs: e.SANDBOX_MAX_TIMEOUT_MS,
        memoryMb: e.SANDBOX_MAX_MEMORY_MB,
        cpus: e.SANDBOX_MAX_CPUS,
        outputBytes: e.SANDBOX_MAX_OUTPUT_BYTES,
      },
      pids: e.SANDBOX_PIDS,
      diskMb: e.SANDBOX_DISK_MB,
      runsPerUser: e.SANDBOX_RUNS_PER_USER,
      buildMissingImages: e.SANDBOX_BUILD_MISSING_IMAGES === 'true',
      terminalsPerUser: e.TERMINALS_PER_USER,
      terminalIdleMs: e.TERMINAL_IDLE_SECONDS * 1000,
      terminalNetwork: e.TERMINAL_NETWORK === 'true',
    },
    dockerEnv: {
      DOCKER_HOST: env.DOCKER_HOST,
      DOCKER_TLS_VERIFY: env.DOCKER_TLS_VERIFY,
      DOCKER_CERT_PATH: env.DOCKER_CERT_PATH,
      XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR,
    },
  };
}
