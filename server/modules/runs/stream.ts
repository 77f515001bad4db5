import { MAX_RUN_BYTES, type RunStreamServerMessage } from '../../../shared/protocol/runs.js';
import { RunStreamSession } from '../../../shared/sandbox/run-stream-session.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { WsRoute } from '../../ws/gateway.js';
import type { RunService } from './service.js';

/** WS /api/runs/stream: start a run, stream its output as it happens, send stdin, stop it. Runs follow one another. */
export function runStreamRoute(runs: RunService, logger: Logger): WsRoute {
  return {
    pattern: /^\/api\/runs\/stream$/,
    // A start message carries up to a run's 1 MiB of files, JSON-escaped; the service answers anything larger.
    maxPayload: 4 * MAX_RUN_BYTES,
    onConnection(socket, { principal }) {
      const send = (message: RunStreamServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const session = new RunStreamSession({
        // stdin in the start message is fed by the session once the run has started.
        start: (request, onProgress) => runs.start(principal, { ...request, stdin: undefined }, onProgress),
        send,
        fail: (error) => {
          const appError = error instanceof AppError ? error : undefined;
          if (!appError) logger.error({ err: error }, 'run stream failed');
          send({
            type: 'error',
            code: appError?.code ?? 'internal',
            message: appError?.message ?? 'The run could not start. Try again.',
            ...(appError?.options.details === undefined ? {} : { details: appError.options.details }),
          });
        },
        error: (code, message) => new AppError(code, message),
        isOpen: () => socket.readyState === socket.OPEN,
      });
      socket.on('message', (raw, isBinary) => void session.receive(isBinary ? null : raw.toString()));
      socket.on('close', () => session.closed());
    },
  };
}
