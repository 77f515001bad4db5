import { z } from 'zod';

export const USERNAME_PATTERN = /^[a-z0-9_-]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const Username = z.string().regex(USERNAME_PATTERN, 'Use 3 to 32 characters: lowercase letters, digits, "_" or "-".');

export const Email = z
  .string()
  .trim()
  .max(320, 'An email address has at most 320 characters.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'))
  .transform((email) => email.toLowerCase());

/** Characters as people count them (code points, so an emoji is one), not UTF-16 units. */
const characters = (text: string) => [...text].length;

/** Length only: the common-password check needs the server's list. */
export const NewPassword = z
  .string()
  .refine((password) => characters(password) >= PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .refine((password) => characters(password) <= PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

// Control characters (NUL above all) are never part of a username, an email or a login.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const Role = z.enum(['user', 'admin']);
export type Role = z.infer<typeof Role>;

export const PublicUser = z.object({
  id: z.string().uuid(),
  username: z.string(),
  role: Role,
  createdAt: z.string().datetime(),
});
export type PublicUser = z.infer<typeof PublicUser>;

/** What a user sees of themselves: their public profile and their email. */
export const SelfUser = PublicUser.extend({ email: z.string() });
export type SelfUser = z.infer<typeof SelfUser>;

export const RegisterRequest = z.object({
  username: Username,
  email: Email,
  password: NewPassword,
});
export type RegisterRequest = z.input<typeof RegisterRequest>;

export const LoginRequest = z.object({
  login: z
    .string()
    .trim()
    .min(1, 'Enter your username or email.')
    .transform((login) => login.toLowerCase())
    .refine(
      (login) => USERNAME_PATTERN.test(login) || (login.includes('@') && login.length <= 320 && !CONTROL_CHARACTERS.test(login)),
      'Enter your username (3 to 32 of a-z, 0-9, "_", "-") or your email address.',
    ),
  password: z
    .string()
    .min(1, 'Enter your password.')
    .refine((password) => characters(password) <= PASSWORD_MAX_LENGTH, `Passwords have at most ${PASSWORD_MAX_LENGTH} characters.`),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const RefreshRequest = z.object({
  refreshToken: z.string().min(1).max(200),
});
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = RefreshRequest;

export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  accessTokenExpiresInSeconds: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const AuthResponse = TokenPair.extend({ user: SelfUser });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const MeResponse = z.object({ user: SelfUser });
export type MeResponse = z.infer<typeof MeResponse>;

export const UserProfileParams = z.object({
  username: z
    .string()
    .transform((username) => username.toLowerCase())
    .pipe(Username),
});

/** `email` is present only when the profile is the caller's own. */
export const UserProfileResponse = z.object({
  user: PublicUser.extend({ email: z.string().optional() }),
});
export type UserProfileResponse = z.infer<typeof UserProfileResponse>;

export const WsTicketResponse = z.object({
  ticket: z.string(),
  expiresInSeconds: z.number().int(),
});
export type WsTicketResponse = z.infer<typeof WsTicketResponse>;
