import { DESKTOP_APP_ORIGIN } from '../shared/protocol/ipc.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DockerSandboxDriver } from '../shared/sandbox/docker-driver.js';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint, type DockerStatus } from '../shared/sandbox/docker-endpoint.js';
import { ImageProvisioner } from '../shared/sandbox/images.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { resolveJwtSecret } from './jwt-secret.js';
import type { Logger } from './logger.js';
import { AccessTokens } from './modules/auth/access-tokens.js';
import { LoginGuard } from './modules/auth/login-guard.js';
import { PasswordHasher } from './modules/auth/passwords.js';
import { AuthRepository } from './modules/auth/repository.js';
import { AuthService } from './modules/auth/service.js';
import { FileRepository } from './modules/files/repository.js';
import { FileService } from './modules/files/service.js';
import { ProjectRepository } from './modules/projects/repository.js';
import { ProjectService } from './modules/projects/service.js';
import { RunRepository } from './modules/runs/repository.js';
import { RunService } from './modules/runs/service.js';
import { runStreamRoute } from './modules/runs/stream.js';
import { terminalSocketRoute } from './modules/terminals/routes.js';
import { TerminalService } from './modules/terminals/service.js';
import { UserRepository } from './modules/users/repository.js';
import { DocumentAccess } from './sync/document-access.js';
import { DocumentStore } from './sync/document-store.js';
import { PostgresStorageAdapter } from './sync/postgres-storage-adapter.js';
import { SyncServerAdapter } from './sync/sync-server-adapter.js';
import { syncSocketRoute } from './sync/sync-route.js';
import { WebSocketGateway } from './ws/gateway.js';
import { TicketRepository } from './ws/ticket-repository.js';
import { TicketService } from './ws/tickets.js';
import { version } from './version.js';

export interface RunningServer {
  url: string;
  port: number;
  http: Server;
  database: Database;
  gateway: WebSocketGateway;
  runs: RunService;
  driver: DockerSandboxDriver;
  documents: DocumentStore;
  /** Graceful: stop accepting, close sockets (1001), finish in-flight requests (bounded), close the database. */
  close(): Promise<void>;
}

const MAINTENANCE_INTERVAL_MS = 10 * 60 * 1000;
const SYNC_KEEPALIVE_MS = 15_000;

/** The composition root: builds every service once and starts listening. Tests call it on port 0. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const started = performance.now();
  const database = await openDatabase(config, logger);
  try {
    const secret = await resolveJwtSecret(config.jwt.secret, config.dataDir, logger);
    const users = new UserRepository(database.prisma);
    const authRepository = new AuthRepository(database.prisma);
    const hasher = new PasswordHasher(config.argon2);
    await hasher.warmUp();
    const auth = new AuthService({
      users,
      auth: authRepository,
      guard: new LoginGuard(authRepository),
      hasher,
      tokens: new AccessTokens({ secret, issuer: config.jwt.issuer, audience: config.jwt.audience }),
      adminUsernames: config.adminUsernames,
    });
    for (const username of config.adminUsernames) {
      if (!(await users.findByUsername(username))) {
        logger.warn(
          { username },
          'ADMIN_USERNAMES names an account nobody has registered: whoever registers it first becomes an admin. Register it now, or remove it.',
        );
      }
    }
    const ticketRepository = new TicketRepository(database.prisma);
    const tickets = new TicketService(ticketRepository, auth);
    // The server's own pages open WebSockets too; their origin is added once the port is known. The desktop
    // app's pages have an origin of their own (app://tandem), which no web page can have.
    const allowedOrigins = [...config.corsOrigins, DESKTOP_APP_ORIGIN];
    const gateway = new WebSocketGateway({ tickets, allowedOrigins, maxPayload: config.wsMaxPayloadBytes, logger });
    auth.onSessionEnded((sessionId) => gateway.closeSession(sessionId));

    const access = new DocumentAccess(database.prisma);
    const projectRepository = new ProjectRepository(database.prisma);
    // The adapter, the store and the file service refer to each other through callbacks, read when called.
    const syncAdapter: SyncServerAdapter = new SyncServerAdapter({
      grant: (userId, documentId) => access.grant(userId, documentId),
      persisted: (documentId): Promise<void> => documents.persisted(documentId),
      knownHeads: (documentId, heads) => documents.knownHeads(documentId, heads),
      onRemoteChange: (documentId) => fileService.noteRemoteChange(documentId),
      logger: logger.child({ component: 'sync' }),
      keepAliveMs: SYNC_KEEPALIVE_MS,
    });
    const documents: DocumentStore = new DocumentStore({
      storage: new PostgresStorageAdapter(database.prisma),
      network: [syncAdapter],
      syncThrottleMs: config.syncThrottleMs,
      mayAccess: async (peerId, documentId) => {
        const userId = syncAdapter.userOf(peerId);
        // A failed lookup (the database going away at shutdown) denies; it never grants.
        return userId !== undefined && (await access.grant(userId, documentId).catch(() => null)) !== null;
      },
    });
    const fileService = new FileService({
      files: new FileRepository(database.prisma),
      projects: projectRepository,
      documents,
      access,
      logger: logger.child({ component: 'files' }),
    });
    gateway.register(syncSocketRoute(syncAdapter, config.syncMaxMessageBytes));

    const dockerEndpoint = resolveDockerEndpoint(currentDockerEnvironment(config.dockerEnv));
    const driver = new DockerSandboxDriver(dockerEndpoint);
    const runRepository = new RunRepository(database.prisma);
    const images = new ImageProvisioner(driver.docker, { buildMissing: config.sandbox.buildMissingImages });
    const terminals = new TerminalService({
      driver,
      images,
      sandbox: config.sandbox,
      logger: logger.child({ component: 'terminals' }),
      project: {
        files: (principal, projectId) => fileService.filesForRun(principal, projectId),
        roleOf: (projectId, userId) => projectRepository.roleOf(projectId, userId),
      },
    });
    gateway.register(terminalSocketRoute(terminals));
    const runs = new RunService({
      driver,
      images,
      runs: runRepository,
      sandbox: config.sandbox,
      logger: logger.child({ component: 'runs' }),
      projectFiles: (principal, projectId) => fileService.filesForRun(principal, projectId),
    });
    gateway.register(runStreamRoute(runs, logger));
    await cleanUpSandboxes(driver, runRepository, logger);
    let shuttingDown = false;
    const app = createApp({
      config,
      logger,
      auth,
      users,
      tickets,
      runs,
      terminals,
      files: fileService,
      projects: new ProjectService({
        projects: projectRepository,
        users,
        workspace: {
          initialise: (projectId, template) => fileService.initialise(projectId, template),
          documentIdsOf: (projectId) => fileService.documentIdsOf(projectId),
          destroyed: (projectId, documentIds) => fileService.destroyed(projectId, documentIds),
          membershipChanged: (projectId) => {
            access.membershipChanged(projectId);
            void documents.repo.shareConfigChanged();
          },
        },
      }),
      health: {
        version,
        database,
        docker: (): Promise<DockerStatus> => pingDocker(dockerEndpoint, 1000),
        isShuttingDown: () => shuttingDown,
      },
    });
    const http = createServer(app);
    http.on('upgrade', (request, socket, head) => void gateway.handleUpgrade(request, socket, head));
    await listen(http, config.port, config.host);
    const port = (http.address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    allowedOrigins.push(
      ...(config.publicUrl ? [config.publicUrl] : [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]),
    );

    const maintenance = setInterval(() => {
      const now = new Date();
      Promise.all([authRepository.prune(now), ticketRepository.prune(now)]).catch((error: unknown) =>
        logger.warn({ err: error }, 'pruning expired records failed'),
      );
    }, MAINTENANCE_INTERVAL_MS);
    maintenance.unref();

    logger.info({ url, database: database.kind, ms: Math.round(performance.now() - started) }, 'Tandem server ready');

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        shuttingDown = true;
        clearInterval(maintenance);
        logger.info('shutting down: no new connections, finishing requests in flight');
        const drained = new Promise<void>((resolve) => http.close(() => resolve()));
        // A keep-alive connection becomes idle once its request in flight is answered; close it then.
        const reaper = setInterval(() => http.closeIdleConnections(), 50);
        http.closeIdleConnections();
        gateway.closeAll();
        const timedOut = await Promise.race([drained.then(() => false), delay(config.shutdownTimeoutMs).then(() => true)]);
        clearInterval(reaper);
        if (timedOut) {
          logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'requests still open after the shutdown timeout; closing them');
          await runs.stopAll();
          http.closeAllConnections();
          // Upgraded sockets are no longer the HTTP server's to close, and it waits for them.
          gateway.terminateAll();
          await drained;
        }
        gateway.terminateAll();
        await Promise.all([runs.stopAll(), terminals.closeAll()]);
        await documents.close().catch((error: unknown) => logger.error({ err: error }, 'could not save every document at shutdown'));
        await driver.close();
        await database.close();
        logger.info('shut down cleanly');
      })());
    return { url, port, http, database, gateway, runs, driver, documents, close };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Sandboxes and runs left behind by a server that died are cleaned up before new ones start. */
async function cleanUpSandboxes(driver: DockerSandboxDriver, runs: RunRepository, logger: Logger): Promise<void> {
  const failed = await runs.failUnfinished();
  if (failed) logger.warn({ runs: failed }, 'marked runs left unfinished by an earlier server as failed');
  if (!(await driver.available()).ok) return;
  const removed = await driver.removeOrphans().catch((error: unknown) => {
    logger.warn({ err: error }, 'could not look for orphaned sandboxes');
    return 0;
  });
  if (removed) logger.warn({ containers: removed }, 'removed sandboxes left by an earlier server');
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new Error(`Port ${port} on ${host} is already in use. Stop the other program, or start Tandem with PORT=<another port>.`));
      } else if (error.code === 'EACCES') {
        reject(new Error(`Not allowed to listen on port ${port}. Use a port above 1024 (PORT=4000).`));
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
