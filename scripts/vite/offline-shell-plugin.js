// Emits the offline shell's service worker (desktop/renderer/offline/service-worker.js) with this build's id
// and the list of every file the build wrote, which the worker caches at install: lazily loaded parts
// (Monaco, xterm, the Automerge WebAssembly, workers, fonts) then work offline even if this device never
// loaded them online, and a new build is a new worker that replaces the old one and its cache.
import crypto from 'node:crypto';
import fs from 'node:fs';

const TEMPLATE = new URL('../../desktop/renderer/offline/service-worker.js', import.meta.url);

/** @returns {import('vite').Plugin} */
export function offlineShell() {
  return {
    name: 'tandem-offline-shell',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((file) => !file.endsWith('.map') && file !== 'index.html')
        .sort();
      const build = crypto.createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      const source = fs
        .readFileSync(TEMPLATE, 'utf8')
        .replace("'__TANDEM_BUILD__'", JSON.stringify(build))
        .replace('[/* __TANDEM_FILES__ */]', JSON.stringify(files));
      this.emitFile({ type: 'asset', fileName: 'service-worker.js', source });
    },
  };
}
