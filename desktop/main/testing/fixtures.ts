import WebSocket from 'ws';
import type { StoredSession } from '../../../shared/protocol/ipc.js';

/** A signed-in session as the vault keeps it (the token is made up, in the server's format). */
export function sampleSession(refreshToken = 'rt_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg'): StoredSession {
  return {
    refreshToken,
    user: {
      id: '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e',
      username: 'ada',
      role: 'user',
      createdAt: '2025-03-01T09:30:00.000Z',
      email: 'ada@example.com',
    },
  };
}

/** Whether a WebSocket handshake is refused, and with which HTTP status ('open' when it is accepted). */
export function handshakeStatus(url: string, origin?: string): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}
