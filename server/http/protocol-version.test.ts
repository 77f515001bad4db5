import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../shared/protocol/errors.js';
import { request } from '../test-support/http.js';
import { errorHandler } from './errors.js';
import { protocolVersion } from './protocol-version.js';

describe('protocol version negotiation', () => {
  // A server that speaks protocol 3 and still serves clients from protocol 2 on.
  const app = express()
    .use(protocolVersion(3, 2))
    .get('/ping', (_req, res) => res.json({ ok: true }))
    .use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  let url: string;
  beforeAll(() => {
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves supported and unversioned clients, and says which version it speaks', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { 'x-tandem-protocol': '2' },
      { 'x-tandem-protocol': '3' },
      { 'x-tandem-protocol': '4' },
    ]) {
      const response = await request(url, 'GET', '/ping', { headers });
      expect(response.status).toBe(200);
      expect(response.headers['x-tandem-protocol']).toBe('3');
    }
  });

  it('tells a client older than the minimum to update (426)', async () => {
    const response = await request(url, 'GET', '/ping', { headers: { 'x-tandem-protocol': '1' } });
    expect(response.status).toBe(426);
    const { error } = ErrorBody.parse(response.body);
    expect(error.code).toBe('client_too_old');
    expect(error.message).toMatch(/too old.*Update the app/);
    expect(error.details).toEqual({ clientVersion: 1, minimumVersion: 2, serverVersion: 3 });
  });
});
