export * from './auth.js';
export * from './errors.js';
export * from './health.js';
export * from './routes.js';
export * from './runs.js';
export * from './terminals.js';
export * from './version.js';
export * from './websocket.js';
