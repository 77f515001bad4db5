import { DESKTOP_APP_ORIGIN } from '../shared/protocol/ipc.js';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { routes } from '../shared/protocol/routes.js';
import { PROTOCOL_VERSION_HEADER } from '../shared/protocol/version.js';
import type { Config } from './config.js';
import { errorHandler, notFound } from './http/errors.js';
import { healthRoutes, type HealthDependencies } from './http/health.js';
import { protocolVersion } from './http/protocol-version.js';
import { authRateLimit } from './http/rate-limit.js';
import { rendererRoutes } from './http/renderer.js';
import { requestLogger } from './http/request-log.js';
import type { Logger } from './logger.js';
import { principalOf, requireBearer } from './modules/auth/bearer.js';
import { privateAuthRoutes, publicAuthRoutes } from './modules/auth/routes.js';
import type { AuthService } from './modules/auth/service.js';
import { fileRoutes } from './modules/files/routes.js';
import type { FileService } from './modules/files/service.js';
import { projectRoutes } from './modules/projects/routes.js';
import type { ProjectService } from './modules/projects/service.js';
import { runRoutes } from './modules/runs/routes.js';
import type { RunService } from './modules/runs/service.js';
import { terminalRoutes } from './modules/terminals/routes.js';
import type { TerminalService } from './modules/terminals/service.js';
import type { UserRepository } from './modules/users/repository.js';
import { userRoutes } from './modules/users/routes.js';
import type { TicketService } from './ws/tickets.js';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  health: HealthDependencies;
  auth: AuthService;
  users: UserRepository;
  tickets: TicketService;
  runs: RunService;
  terminals: TerminalService;
  projects: ProjectService;
  files: FileService;
}

export function createApp(deps: AppDependencies): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogger(deps.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Automerge is WebAssembly, compiled in the page; Monaco's and the offline shell's workers are our own files.
        directives: { scriptSrc: ["'self'", "'wasm-unsafe-eval'"], workerSrc: ["'self'"] },
      },
    }),
  );
  app.use(
    cors({
      origin: [...config.corsOrigins, DESKTOP_APP_ORIGIN],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', PROTOCOL_VERSION_HEADER],
      maxAge: 600,
    }),
  );
  app.use((_req, res, next) => {
    // While draining, finished requests release their connection instead of keeping it alive.
    if (deps.health.isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(protocolVersion());
  app.use(healthRoutes(deps.health));

  const api = express.Router();
  api.use('/api', express.json({ limit: config.jsonBodyLimitBytes }));
  api.use(publicAuthRoutes(deps.auth, authRateLimit(config.authRateLimitPerMinute)));
  api.use('/api', requireBearer(deps.auth));
  api.use(privateAuthRoutes(deps.auth));
  api.use(userRoutes(deps.users, deps.auth));
  api.use(runRoutes(deps.runs));
  api.use(fileRoutes(deps.files));
  api.use(projectRoutes(deps.projects, config.publicUrl));
  api.use(terminalRoutes(deps.terminals));
  api.post(routes.wsTicket.path, async (req, res) => {
    res.status(201).json(await deps.tickets.issue(principalOf(req)));
  });
  app.use(api);
  app.use('/api', notFound);
  app.use(rendererRoutes(config.rendererDir));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
