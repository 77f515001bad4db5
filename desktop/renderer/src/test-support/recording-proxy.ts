/**
 * A recording HTTP proxy in front of a real server: it forwards every request as it came and answers with the
 * server's answer, noting what the client sent and what it got back. Told to hang a path, it takes that request
 * and never answers: a network condition, not a stand-in for the server. Node's http is loaded by name (a plain
 * string) so the renderer's type-check does not pull in Node's types.
 */
const HTTP_MODULE: string = 'node:http';

type Headers = Record<string, string | string[] | undefined>;

interface IncomingMessage {
  method?: string;
  url?: string;
  statusCode?: number;
  headers: Headers;
  on(event: 'data', listener: (chunk: Uint8Array) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: () => void): void;
  socket: { destroy(): void };
}
interface ServerResponse {
  writeHead(status: number, headers: Headers): void;
  end(body?: Uint8Array): void;
}
interface ClientRequest {
  on(event: 'error', listener: () => void): void;
  end(body: Uint8Array): void;
}
interface Server {
  listen(port: number, host: string, callback: () => void): void;
  address(): { port: number };
  close(callback: () => void): void;
  closeAllConnections(): void;
}
interface HttpModule {
  createServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Server;
  request(
    options: { hostname: string; port: string; method?: string; path?: string; headers: Headers; agent: false },
    callback: (response: IncomingMessage) => void,
  ): ClientRequest;
}

export interface RecordedCall {
  method: string;
  path: string;
  /** The bearer token the client sent, if any. */
  bearer: string | undefined;
  /** The request's JSON body (undefined when empty). */
  body: unknown;
  /** The server's answer; absent while it is outstanding, and for a hung request. */
  response?: { status: number; body: unknown };
}

export interface RecordingProxy {
  url: string;
  /** Every request, in the order it arrived. */
  calls: RecordedCall[];
  paths(): string[];
  /** From now on, requests to `path` are taken and never answered (nor forwarded). */
  hang(path: string): void;
  /** Closes the port and every connection: afterwards the address is a server that is gone. */
  close(): Promise<void>;
}

// Hop-by-hop: they describe this connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function endToEnd(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

function json(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readAll(message: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    message.on('data', (chunk) => chunks.push(chunk));
    message.on('end', () => resolve(concat(chunks)));
    message.on('error', () => reject(new Error('the message broke off')));
  });
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const http = (await import(/* @vite-ignore */ HTTP_MODULE)) as HttpModule;
  const target = new URL(targetUrl);
  const calls: RecordedCall[] = [];
  const hung = new Set<string>();

  const server = http.createServer(async (request, response) => {
    const body = await readAll(request).catch(() => undefined);
    if (!body) return;
    const authorization = request.headers.authorization;
    const call: RecordedCall = {
      method: request.method ?? 'GET',
      path: request.url ?? '',
      bearer: typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : undefined,
      body: json(body),
    };
    calls.push(call);
    if (hung.has(new URL(call.path, target).pathname)) return;
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: endToEnd(request.headers),
        agent: false,
      },
      async (answer) => {
        const answered = await readAll(answer).catch(() => undefined);
        if (!answered) return request.socket.destroy();
        const status = answer.statusCode ?? 502;
        call.response = { status, body: json(answered) };
        response.writeHead(status, endToEnd(answer.headers));
        response.end(answered);
      },
    );
    // The server could not be reached or broke off: so does this connection, as it would without the proxy.
    upstream.on('error', () => request.socket.destroy());
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    paths: () => calls.map((call) => call.path),
    hang: (path) => void hung.add(path),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
