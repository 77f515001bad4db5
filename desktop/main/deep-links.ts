import { z } from 'zod';
import type { DeepLink } from '../../shared/protocol/ipc.js';

export type { DeepLink };

export type DeepLinkResult = { ok: true; link: DeepLink } | { ok: false; message: string };

const EXAMPLES = 'Tandem opens links like tandem://invite/<code> and tandem://open/<project id>.';
// Invite tokens are 32 random bytes in base64url; the server accepts up to 100 characters (InviteTokenParams),
// and the deep-link event's schema checks the same.
const INVITE_TOKEN = /^[A-Za-z0-9_-]{1,100}$/;
// The same check the server applies to project ids (ProjectParams) and the deep-link event to its payload.
const PROJECT_ID = z.string().uuid();
// Far longer than any valid link; stops a hostile page from handing us megabytes to echo back in a message.
const MAX_LENGTH = 512;

/**
 * Reads a `tandem:` link as the OS hands it over. Links come from any web page or chat message, so
 * everything but the two known shapes is refused with a message fit to show, and nothing throws.
 * Accepted forms: `tandem://invite/<token>`, `tandem:invite/<token>` (some OSes drop the slashes, or one) and
 * either with one trailing slash (Windows and some browsers add it).
 */
export function parseDeepLink(url: string): DeepLinkResult {
  if (typeof url !== 'string') return refuse('That link is not a Tandem link.');
  const trimmed = url.trim();
  if (trimmed.length > MAX_LENGTH) return refuse('That link is too long to be a Tandem link.');
  const scheme = /^tandem:\/{0,2}/i.exec(trimmed);
  if (!scheme) return refuse(`"${shorten(trimmed)}" is not a Tandem link.`);
  const rest = trimmed.slice(scheme[0].length).replace(/\/$/, '');
  if (/[?#]/.test(rest)) return refuse(`The link "${shorten(trimmed)}" has extra parts Tandem does not understand.`);
  const [kind = '', value, ...extra] = rest.split('/');
  if (extra.length > 0) return refuse(`The link "${shorten(trimmed)}" has extra parts Tandem does not understand.`);
  // The kind sits where a host name would, and browsers lower-case host names.
  switch (kind.toLowerCase()) {
    case 'invite':
      if (!value) return { ok: false, message: 'This invite link has no invite code. Ask whoever sent it for a new link.' };
      if (!INVITE_TOKEN.test(value)) return { ok: false, message: 'This invite link is damaged. Ask whoever sent it for a new link.' };
      return { ok: true, link: { kind: 'invite', token: value } };
    case 'open':
      if (!value) return { ok: false, message: 'This link names no project. Open the project from the project list instead.' };
      if (!PROJECT_ID.safeParse(value).success)
        return { ok: false, message: 'This link is damaged: the project id is not valid. Open the project from the project list instead.' };
      return { ok: true, link: { kind: 'open', projectId: value.toLowerCase() } };
    default:
      return refuse(`Tandem does not know what to do with "${shorten(trimmed)}".`);
  }
}

/**
 * The `tandem:` URL among a process's arguments. On Windows and Linux the OS starts the app (or a second
 * instance) with the link as an argument, mixed with Chromium switches such as `--allow-file-access-from-files`;
 * a switch whose value merely contains a link is not one.
 */
export function deepLinkFromArgv(argv: readonly string[]): string | undefined {
  return argv.find((arg) => typeof arg === 'string' && /^tandem:/i.test(arg.trim()))?.trim();
}

function refuse(message: string): DeepLinkResult {
  return { ok: false, message: `${message} ${EXAMPLES}` };
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
