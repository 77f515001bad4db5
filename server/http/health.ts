import { Router } from 'express';
import type { HealthResponse, ReadinessResponse } from '../../shared/protocol/health.js';
import { routes } from '../../shared/protocol/routes.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import type { DockerStatus } from '../../shared/sandbox/docker-endpoint.js';
import type { Database } from '../db/database.js';

export interface HealthDependencies {
  version: string;
  database: Database;
  docker: () => Promise<DockerStatus>;
  isShuttingDown: () => boolean;
}

const CHECK_TIMEOUT_MS = 1500;

/** Liveness says the process answers; readiness says it can serve (503 without a database or while draining). */
export function healthRoutes(deps: HealthDependencies): Router {
  const router = Router();
  const started = Date.now();
  router.get(routes.health.path, (_req, res) => {
    res.json({
      status: 'ok',
      version: deps.version,
      protocolVersion: PROTOCOL_VERSION,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    } satisfies HealthResponse);
  });
  router.get(routes.ready.path, async (_req, res) => {
    const [database, docker] = await Promise.all([deps.database.ping(CHECK_TIMEOUT_MS), deps.docker()]);
    const status = deps.isShuttingDown() ? 'shutting_down' : database.ok ? 'ready' : 'unavailable';
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(status === 'ready' ? 200 : 503)
      .json({ status, database: { ...database, kind: deps.database.kind }, docker } satisfies ReadinessResponse);
  });
  return router;
}
