import type { RequestHandler } from 'express';
import { MIN_SUPPORTED_PROTOCOL_VERSION, PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER } from '../../shared/protocol/version.js';
import { AppError } from './errors.js';

/**
 * Desktop apps update later than the server. Every response says which protocol the server speaks (so a
 * newer client can say "the server is too old"); a client that says it is older than the server still
 * supports is told plainly to update. Clients that send no version (curl, scripts) are served as they are.
 */
export function protocolVersion(current = PROTOCOL_VERSION, minimum = MIN_SUPPORTED_PROTOCOL_VERSION): RequestHandler {
  return (req, res, next) => {
    res.setHeader(PROTOCOL_VERSION_HEADER, String(current));
    const sent = req.get(PROTOCOL_VERSION_HEADER);
    if (sent === undefined) return next();
    const version = Number(sent);
    if (!Number.isInteger(version) || version < 1) {
      return next(new AppError('bad_request', `${PROTOCOL_VERSION_HEADER} must be a whole number; this server speaks ${current}.`));
    }
    if (version < minimum) {
      return next(
        new AppError(
          'client_too_old',
          `This Tandem app is too old for the server (protocol ${version}; the server needs ${minimum} or newer). Update the app.`,
          { details: { clientVersion: version, minimumVersion: minimum, serverVersion: current } },
        ),
      );
    }
    next();
  };
}
