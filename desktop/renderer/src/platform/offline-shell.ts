/**
 * Installs the service worker that keeps the app's files for offline use (public/service-worker.js).
 * Only for the built web app: the dev server rebuilds files on the fly, and the desktop app loads its
 * files from disk anyway.
 */
export function registerOfflineShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !/^https?:$/.test(window.location.protocol)) return;
  void navigator.serviceWorker.register('/service-worker.js', { updateViaCache: 'none' }).catch((error: unknown) => {
    console.warn('Offline use is unavailable: the service worker did not install.', error);
  });
}
