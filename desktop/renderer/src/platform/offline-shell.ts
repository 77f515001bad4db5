/**
 * Installs the service worker that keeps the app's files for offline use (public/service-worker.js).
 * Only for the built web app: the dev server rebuilds files on the fly, and the desktop app loads its
 * files from disk anyway.
 */
const INSTALL_DELAY_MS = 3000;

export function registerOfflineShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !/^https?:$/.test(window.location.protocol)) return;
  const register = () =>
    void navigator.serviceWorker.register('/service-worker.js', { updateViaCache: 'none' }).catch((error: unknown) => {
      console.warn('Offline use is unavailable: the service worker did not install.', error);
    });
  // Installing downloads every file of the build (the editor included): not while the first screen is loading.
  window.addEventListener('load', () => setTimeout(register, INSTALL_DELAY_MS), { once: true });
}
