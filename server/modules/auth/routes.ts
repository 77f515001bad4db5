import { Router, type Request, type RequestHandler } from 'express';
import { LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest } from '../../../shared/protocol/auth.js';
import { routes } from '../../../shared/protocol/routes.js';
import { parseBody } from '../../http/validate.js';
import { principalOf } from './bearer.js';
import type { AuthService, ClientContext } from './service.js';

function clientOf(req: Request): ClientContext {
  return { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', userAgent: req.get('user-agent') };
}

/** Register, login and refresh: reachable without a bearer token, behind the per-address rate limit. */
export function publicAuthRoutes(auth: AuthService, rateLimit: RequestHandler): Router {
  const router = Router();
  router.post(routes.register.path, rateLimit, async (req, res) => {
    res.status(201).json(await auth.register(parseBody(RegisterRequest, req), clientOf(req)));
  });
  router.post(routes.login.path, rateLimit, async (req, res) => {
    res.json(await auth.login(parseBody(LoginRequest, req), clientOf(req)));
  });
  router.post(routes.refresh.path, rateLimit, async (req, res) => {
    res.json(await auth.refresh(parseBody(RefreshRequest, req).refreshToken));
  });
  return router;
}

export function privateAuthRoutes(auth: AuthService): Router {
  const router = Router();
  router.post(routes.logout.path, async (req, res) => {
    await auth.logout(parseBody(LogoutRequest, req).refreshToken, principalOf(req));
    res.status(204).end();
  });
  return router;
}
