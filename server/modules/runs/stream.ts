import { StringDecoder } from 'node:string_decoder';
import { MAX_RUN_BYTES, RunStreamClientMessage, type RunStreamServerMessage } from '../../../shared/protocol/runs.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { WsRoute } from '../../ws/gateway.js';
import type { ActiveRun, RunService } from './service.js';

/** WS /api/runs/stream: start a run, stream its output as it happens, send stdin, stop it. Runs follow one another. */
export function runStreamRoute(runs: RunService, logger: Logger): WsRoute {
  return {
    pattern: /^\/api\/runs\/stream$/,
    // A start message carries up to a run's 1 MiB of files, JSON-escaped; the service answers anything larger.
    maxPayload: 4 * MAX_RUN_BYTES,
    onConnection(socket, { principal }) {
      let current: ActiveRun | undefined;
      let starting = false;
      let stopWhenStarted = false;
      const send = (message: RunStreamServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const fail = (error: unknown) => {
        const appError = error instanceof AppError ? error : undefined;
        if (!appError) logger.error({ err: error }, 'run stream failed');
        send({
          type: 'error',
          code: appError?.code ?? 'internal',
          message: appError?.message ?? 'The run could not start. Try again.',
          ...(appError?.options.details === undefined ? {} : { details: appError.options.details }),
        });
      };

      socket.on('message', (raw, isBinary) => {
        let message: RunStreamClientMessage;
        try {
          if (isBinary) throw new Error('binary');
          message = RunStreamClientMessage.parse(JSON.parse(raw.toString()));
        } catch {
          return fail(
            new AppError(
              'bad_request',
              'Send JSON messages: {type:"start", language, files}, {type:"stdin", data}, {type:"stdin-end"} or {type:"stop"}.',
            ),
          );
        }
        if (message.type === 'start') {
          if (current || starting)
            return fail(new AppError('conflict', 'A run is already going on this connection; stop it or wait for its exit.'));
          starting = true;
          const { type: _type, ...request } = message;
          void runs
            .start(principal, { ...request, stdin: undefined }, (progress) => send({ type: 'progress', message: progress }))
            .then((run) => {
              current = run;
              // Stopped while starting, or the client left meanwhile: nobody wants it, so it ends now.
              if (stopWhenStarted || socket.readyState !== socket.OPEN) void run.handle.stop();
              send({ type: 'started', runId: run.id });
              const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
              run.handle.onOutput((stream, data) => {
                const text = decoders[stream].write(data);
                if (text) send({ type: stream, data: text });
              });
              if (request.stdin !== undefined) {
                run.handle.writeStdin(request.stdin);
                run.handle.endStdin();
              }
              return run.outcome.then(
                (outcome) => {
                  for (const stream of ['stdout', 'stderr'] as const) {
                    const rest = decoders[stream].end();
                    if (rest) send({ type: stream, data: rest });
                  }
                  send({ type: 'exit', runId: run.id, ...outcome });
                },
                (error: unknown) => fail(error),
              );
            }, fail)
            .finally(() => {
              current = undefined;
              starting = false;
              stopWhenStarted = false;
            });
          return;
        }
        if (message.type === 'stop' && starting && !current) {
          stopWhenStarted = true;
          return;
        }
        if (!current) return fail(new AppError('conflict', 'No run is going on this connection: send {type:"start"} first.'));
        if (message.type === 'stdin') {
          if (!current.handle.writeStdin(message.data)) {
            fail(
              new AppError(
                'rate_limited',
                'The program is not reading its input (or has finished): this input was dropped. Send less, or wait.',
              ),
            );
          }
        } else if (message.type === 'stdin-end') current.handle.endStdin();
        else void current.handle.stop();
      });
      // Nobody is left to see the output: the run ends with its connection.
      socket.on('close', () => void current?.handle.stop());
    },
  };
}
