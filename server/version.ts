import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function readVersion(): string {
  // From server/ in the source tree, from dist/server/server/ in the build.
  for (const candidate of ['../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'tandem' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const version = readVersion();
