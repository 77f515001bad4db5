import { Router } from 'express';
import { z } from 'zod';
import { routes } from '../../../shared/protocol/routes.js';
import { CreateTerminalRequest, TerminalClientMessage, type TerminalServerMessage } from '../../../shared/protocol/terminals.js';
import { parseBody, parseParams } from '../../http/validate.js';
import type { WsRoute } from '../../ws/gateway.js';
import { principalOf } from '../auth/bearer.js';
import type { TerminalService } from './service.js';

const TerminalParams = z.object({ id: z.string().max(64) });

export function terminalRoutes(terminals: TerminalService): Router {
  const router = Router();
  router.post(routes.createTerminal.path, async (req, res) => {
    const body = req.body === undefined && !req.headers['content-type'] ? {} : parseBody(CreateTerminalRequest, req);
    res.status(201).json({ terminalId: await terminals.create(principalOf(req), CreateTerminalRequest.parse(body)) });
  });
  router.delete(routes.deleteTerminal.path, async (req, res) => {
    await terminals.delete(principalOf(req), parseParams(TerminalParams, req.params).id);
    res.status(204).end();
  });
  return router;
}

/** WS /api/terminals/:id — see shared/protocol/terminals.ts for the frames. */
export function terminalSocketRoute(terminals: TerminalService): WsRoute {
  return {
    pattern: /^\/api\/terminals\/(?<id>[^/]+)$/,
    onConnection(socket, { principal, params }) {
      const session = terminals.attach(principal, params.id!, socket);
      if (!session) return;
      socket.on('message', (raw, isBinary) => {
        const parsed = isBinary ? undefined : TerminalClientMessage.safeParse(safeJson(raw.toString()));
        if (!parsed?.success) {
          const error: TerminalServerMessage = {
            type: 'error',
            code: 'bad_request',
            message: 'Send {type:"input", data} or {type:"resize", cols, rows}.',
          };
          socket.send(JSON.stringify(error));
          return;
        }
        const message = parsed.data;
        if (message.type === 'input') {
          if (!session.input(message.data)) {
            const refused: TerminalServerMessage = {
              type: 'error',
              code: 'rate_limited',
              message: 'The shell is not reading its input yet; this input was dropped.',
            };
            socket.send(JSON.stringify(refused));
          }
        } else void session.resize(message.cols, message.rows);
      });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
