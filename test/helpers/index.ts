export * from './clients.js';
export * from './service.js';
export * from './tokens.js';
export * from './wait.js';
export * from './ports.js';
export * from './redis.js';
export * from './cluster.js';
export type * from './tap.js';
export * from './process.js';
