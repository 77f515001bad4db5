// Lists every file a renderer build emits in asset-manifest.json, which the offline shell's service worker
// (desktop/renderer/public/service-worker.js) caches at install: lazily loaded parts (Monaco, xterm, the
// Automerge WebAssembly, workers, fonts) then work offline even if this device never loaded them online.

/** @returns {import('vite').Plugin} */
export function assetManifest() {
  return {
    name: 'tandem-asset-manifest',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((file) => !file.endsWith('.map') && file !== 'index.html')
        .sort();
      this.emitFile({ type: 'asset', fileName: 'asset-manifest.json', source: `${JSON.stringify(files, null, 1)}\n` });
    },
  };
}
