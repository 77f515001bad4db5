import type { Host } from './host.js';
import { createWebHost } from './web-host.js';

/**
 * The one place that picks the platform. The desktop app's preload will expose its API on `window`;
 * until the desktop shell lands (issue 6) every renderer runs as the web build.
 */
export function currentHost(): Host {
  return createWebHost();
}
