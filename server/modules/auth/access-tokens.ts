import jwt from 'jsonwebtoken';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ALGORITHM = 'HS256';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** Short-lived JWTs. The algorithm is pinned, so `alg: none` and algorithm confusion are refused. */
export class AccessTokens {
  constructor(private readonly options: { secret: string; issuer: string; audience: string }) {}

  sign(claims: AccessClaims): string {
    return jwt.sign({ sid: claims.sessionId }, this.options.secret, {
      algorithm: ALGORITHM,
      subject: claims.userId,
      issuer: this.options.issuer,
      audience: this.options.audience,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    });
  }

  /** The claims of a valid token, or null for anything else (bad signature, expired, wrong audience…). */
  verify(token: string): AccessClaims | null {
    try {
      const payload = jwt.verify(token, this.options.secret, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
      });
      if (typeof payload !== 'object' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
      return { userId: payload.sub, sessionId: payload.sid };
    } catch {
      return null;
    }
  }
}
