// `npm start`: build what is out of date, then run the server (embedded database unless DATABASE_URL is set).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
build();
process.setSourceMapsEnabled(true);
await import(pathToFileURL(path.join(root, 'dist/server/server/main.js')).href);
