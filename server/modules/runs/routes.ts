import { Router } from 'express';
import { z } from 'zod';
import { RunRequest } from '../../../shared/protocol/runs.js';
import { routes } from '../../../shared/protocol/routes.js';
import { parseBody, parseParams } from '../../http/validate.js';
import { principalOf } from '../auth/bearer.js';
import type { RunService } from './service.js';

const RunIdParams = z.object({ id: z.string().max(64) });

export function runRoutes(runs: RunService): Router {
  const router = Router();
  router.get(routes.languages.path, (_req, res) => {
    res.json(runs.languages());
  });
  router.post(routes.run.path, async (req, res) => {
    const hungUp = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) hungUp.abort();
    });
    res.json(await runs.runToCompletion(principalOf(req), parseBody(RunRequest, req), hungUp.signal));
  });
  router.post(routes.stopRun.path, async (req, res) => {
    await runs.stop(principalOf(req), parseParams(RunIdParams, req.params).id);
    res.status(204).end();
  });
  return router;
}
