import fs from 'node:fs';
import pg from 'pg';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint } from '../../shared/sandbox/docker-endpoint.js';
import { componentStatus, requireSandboxImages, type Component } from '../../shared/sandbox/test-support.js';

export { inCI } from '../../shared/sandbox/test-support.js';
import { chromiumPath } from './chromium.js';
export { chromiumPath };

const HOW_TO_GET = {
  postgres:
    'set DATABASE_URL to a PostgreSQL server whose user may CREATE DATABASE (e.g. `pg_ctlcluster 15 main start`, then postgresql://tandem:tandem@127.0.0.1:5432/postgres); .ci/run does this',
  docker: 'start a Docker engine (`dockerd &`, or Docker Desktop) or set DOCKER_HOST; .ci/run does this',
  chromium: 'install Debian\u2019s chromium (`apt-get install chromium`) or set CHROMIUM_PATH; .ci/run does this',
} as const;

/**
 * A component a test needs. In CI (CI=true) a missing one throws, so the suite fails loudly; locally it
 * is reported once, in one line, and the tests that need it skip.
 */
export async function requireComponent(name: keyof typeof HOW_TO_GET | 'sandbox-images'): Promise<Component> {
  if (name === 'sandbox-images') return requireSandboxImages();
  return componentStatus(name, await probe(name), HOW_TO_GET[name]);
}

async function probe(name: keyof typeof HOW_TO_GET): Promise<string | undefined> {
  switch (name) {
    case 'postgres': {
      const url = process.env.DATABASE_URL;
      if (!url) return 'DATABASE_URL is not set';
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    case 'docker': {
      const status = await pingDocker(resolveDockerEndpoint(currentDockerEnvironment()), 3000);
      return status.ok ? undefined : status.reason;
    }
    case 'chromium': {
      const path = chromiumPath();
      return fs.existsSync(path) ? undefined : `${path} does not exist`;
    }
  }
}
