import { rateLimit } from 'express-rate-limit';
import { AppError } from './errors.js';

/** Per-client-address limit for the unauthenticated auth routes (register, login, refresh). */
export function authRateLimit(perMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler(_req, _res, next, options) {
      const retryAfter = Math.ceil(options.windowMs / 1000);
      next(
        new AppError('rate_limited', `Too many requests from your address. Wait up to ${retryAfter} seconds and try again.`, {
          headers: { 'Retry-After': String(retryAfter) },
        }),
      );
    },
  });
}
