/**
 * Debian's Chromium, as the browser tests and the UI benchmark launch it. The flags keep it from reaching for
 * the network at start (this machine has none but loopback) and from needing a GPU or its OS sandbox (root in
 * containers and CI). No imports: playwright.config.ts loads this in every worker.
 */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
