// `npm run images`: builds the sandbox images with progress; cached and idempotent. `--force` rebuilds.
import Docker from 'dockerode';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint } from './docker-endpoint.js';
import { buildAllImages } from './images.js';

const endpoint = resolveDockerEndpoint(currentDockerEnvironment());
const status = await pingDocker(endpoint, 3000);
if (!status.ok) {
  process.stderr.write(`${status.reason}\n`);
  process.exit(1);
}
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0).padStart(4);
try {
  const results = await buildAllImages(new Docker(endpoint.options), {
    force: process.argv.includes('--force'),
    allowBootstrap: true,
    onProgress: (message) => process.stdout.write(`[images ${seconds()}s] ${message}\n`),
  });
  for (const [name, result] of Object.entries(results)) process.stdout.write(`[images ${seconds()}s] ${name}: ${result}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
