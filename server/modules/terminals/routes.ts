import { Router } from 'express';
import { z } from 'zod';
import { ProjectParams } from '../../../shared/protocol/projects.js';
import { routes } from '../../../shared/protocol/routes.js';
import { CreateTerminalRequest, TerminalClientMessage, type TerminalServerMessage } from '../../../shared/protocol/terminals.js';
import { parseBody, parseParams } from '../../http/validate.js';
import type { WsRoute } from '../../ws/gateway.js';
import { principalOf } from '../auth/bearer.js';
import type { ClientResult, TerminalClient, TerminalService } from './service.js';

const TerminalParams = z.object({ id: z.string().max(64) });

export function terminalRoutes(terminals: TerminalService): Router {
  const router = Router();
  router.post(routes.createTerminal.path, async (req, res) => {
    const body = req.body === undefined && !req.headers['content-type'] ? {} : parseBody(CreateTerminalRequest, req);
    res.status(201).json({ terminalId: await terminals.create(principalOf(req), CreateTerminalRequest.parse(body)) });
  });
  router.get(routes.listProjectTerminals.path, async (req, res) => {
    res.json({ terminals: await terminals.list(principalOf(req), parseParams(ProjectParams, req.params).id) });
  });
  router.delete(routes.deleteTerminal.path, async (req, res) => {
    await terminals.delete(principalOf(req), parseParams(TerminalParams, req.params).id);
    res.status(204).end();
  });
  return router;
}

const REFUSED: Record<Exclude<ClientResult, 'ok' | 'gone'>, TerminalServerMessage> = {
  busy: { type: 'error', code: 'rate_limited', message: 'The shell is not reading its input yet; this input was dropped.' },
  forbidden: {
    type: 'error',
    code: 'forbidden',
    message: 'You can view this project but not type in its terminals: ask an owner to make you an editor.',
  },
};

/** WS /api/terminals/:id — see shared/protocol/terminals.ts for the frames. */
export function terminalSocketRoute(terminals: TerminalService): WsRoute {
  return {
    pattern: /^\/api\/terminals\/(?<id>[^/]+)$/,
    onConnection(socket, { principal, params }) {
      const send = (message: TerminalServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const attached = terminals.attach(principal, params.id!, socket);
      // Messages are handled one after another, in order: checking a project role takes a moment, and
      // keystrokes must not overtake each other (or arrive before the client is attached) meanwhile.
      let queue: Promise<unknown> = attached;
      socket.on('message', (raw, isBinary) => {
        queue = queue
          .then(async () => {
            const client = await attached;
            if (client) await handle(client, raw.toString(), isBinary);
          })
          .catch(() => send({ type: 'error', code: 'unavailable', message: 'Could not check your access to this terminal; try again.' }));
      });
      async function handle(client: TerminalClient, text: string, isBinary: boolean): Promise<void> {
        const parsed = isBinary ? undefined : TerminalClientMessage.safeParse(safeJson(text));
        if (!parsed?.success) {
          send({ type: 'error', code: 'bad_request', message: 'Send {type:"input", data} or {type:"resize", cols, rows}.' });
          return;
        }
        const message = parsed.data;
        const result = message.type === 'input' ? await client.input(message.data) : await client.resize(message.cols, message.rows);
        // A refused resize is not worth a reply: the next input says why, if the client types at all.
        if ((result === 'busy' || result === 'forbidden') && message.type === 'input') send(REFUSED[result]);
      }
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
