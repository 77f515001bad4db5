import http from 'node:http';

export interface TestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary bodies
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
  /** The client address the server sees (any of 127.0.0.0/8 on loopback), for per-address rules. */
  localAddress?: string;
}

/** A plain HTTP call; unlike fetch it can choose the source address, which lockout tests need. */
export function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, baseUrl), { method, headers, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Binds the helpers to one server. */
export function client(baseUrl: string) {
  return {
    get: (path: string, options?: RequestOptions) => request(baseUrl, 'GET', path, options),
    post: (path: string, body?: unknown, options?: RequestOptions) => request(baseUrl, 'POST', path, { ...options, body }),
    request: (method: string, path: string, options?: RequestOptions) => request(baseUrl, method, path, options),
  };
}
