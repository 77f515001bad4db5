// Tandem's offline shell: the app's own files come from this cache when the network is gone, so a project
// opened before reloads and edits offline. API, sync and health traffic is never cached or touched.
// The build (scripts/vite/offline-shell-plugin.js) fills in its id and files, so every build is a new worker
// with a cache of its own, and the previous build's cache is dropped once this one is active.
const BUILD = '__TANDEM_BUILD__';
const FILES = [/* __TANDEM_FILES__ */];
const CACHE = `tandem-shell-${BUILD}`;
const SHELL = '/index.html';
const LIVE = /^\/(api|sync|health)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Every file of this build, so lazily loaded parts (Monaco, xterm) work offline too.
      await cache.addAll([SHELL, ...FILES.map((file) => `/${file}`)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || LIVE.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    // The newest page when online; the cached one when not.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) void caches.open(CACHE).then((cache) => cache.put(SHELL, response.clone()));
          return response;
        })
        .catch(async () => (await caches.match(SHELL)) ?? Response.error()),
    );
    return;
  }
  // Built files have content hashes in their names: a cached copy is always right.
  event.respondWith(
    (async () => {
      const cached = await caches.match(request);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok && url.pathname.startsWith('/assets/')) {
        const copy = response.clone();
        void caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })(),
  );
});
