export const DEFAULT_SERVER_URL = 'http://localhost:4000';

export type ServerUrlResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * Normalises the server address a user types on first start ("localhost:4000", "https://tandem.example.com/")
 * to an origin the app can call, or says what is wrong with it.
 */
export function parseServerUrl(input: string): ServerUrlResult {
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, message: `Enter the server's address, for example ${DEFAULT_SERVER_URL}.` };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, message: `"${trimmed}" is not a web address. Use one like ${DEFAULT_SERVER_URL}.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `Use an http:// or https:// address, not ${url.protocol}//.` };
  }
  if (url.username || url.password)
    return { ok: false, message: 'Leave the user name and password out of the address; you sign in inside the app.' };
  if (url.search || url.hash) return { ok: false, message: 'Leave the query and fragment (after ? or #) out of the address.' };
  const isLoopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !isLoopback) {
    return { ok: false, message: 'Use https:// for a server on another machine, so your password and code are encrypted on the way.' };
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${url.origin}${path}` };
}
