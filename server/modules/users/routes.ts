import { Router } from 'express';
import { UserProfileParams, type MeResponse, type UserProfileResponse } from '../../../shared/protocol/auth.js';
import { routes } from '../../../shared/protocol/routes.js';
import { AppError } from '../../http/errors.js';
import { parseParams } from '../../http/validate.js';
import { principalOf } from '../auth/bearer.js';
import type { AuthService } from '../auth/service.js';
import type { UserRepository } from './repository.js';

export function userRoutes(users: UserRepository, auth: AuthService): Router {
  const router = Router();
  router.get(routes.me.path, async (req, res) => {
    const user = await users.findById(principalOf(req).userId);
    if (!user) throw new AppError('unauthorized', 'This account no longer exists.');
    res.json({ user: auth.toSelfUser(user) } satisfies MeResponse);
  });
  router.get(routes.userProfile.path, async (req, res) => {
    const { username } = parseParams(UserProfileParams, req.params);
    const user = await users.findByUsername(username);
    if (!user) throw new AppError('not_found', `There is no user called "${username}".`);
    const { email, ...profile } = auth.toSelfUser(user);
    const isSelf = user.id === principalOf(req).userId;
    res.json({ user: isSelf ? { ...profile, email } : profile } satisfies UserProfileResponse);
  });
  return router;
}
