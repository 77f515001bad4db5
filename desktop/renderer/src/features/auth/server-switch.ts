import type { Session } from '../../services/session.js';

/** How long a server change waits for the old server to end the session before it goes on regardless. */
export const SIGN_OUT_WAIT_MS = 3000;

/**
 * Whether saving `typed` would move the app to another server (and so reload the page), read the way the main
 * process reads it: "localhost:4000/" is the server at http://localhost:4000. An address it cannot read is no
 * move: the main process refuses it and says why.
 */
export function switchesServer(typed: string, currentUrl: string): boolean {
  const trimmed = typed.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}` !== currentUrl;
}

/**
 * Signs out on the server being left, so its refresh token is revoked there too (the main process only forgets
 * it on this computer). Best effort and bounded: an old server that is down or slow must not hold up the change.
 */
export async function signOutOnOldServer(session: Session | null | undefined, withinMs = SIGN_OUT_WAIT_MS): Promise<void> {
  if (!session) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
  await Promise.race([session.logout().catch(() => undefined), waited]);
  clearTimeout(timer);
}
