import type { Request, RequestHandler } from 'express';
import { AppError } from '../../http/errors.js';
import type { AuthService, Principal } from './service.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Guards every route mounted after it: a valid access token on a live session, or 401. */
export function requireBearer(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new AppError('unauthorized', 'Sign in first: send Authorization: Bearer <accessToken>.', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const principal = await auth.authenticate(match[1]!);
    if (!principal) {
      throw new AppError('unauthorized', 'The access token is invalid or expired. Refresh it or sign in again.', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    req.principal = principal;
    next();
  };
}

/** The caller of a route behind `requireBearer`. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new Error('principalOf() used on a route without requireBearer');
  return req.principal;
}
