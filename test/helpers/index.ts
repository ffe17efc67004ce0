export * from './clients.js';
export * from './service.js';
export * from './tokens.js';
export * from './wait.js';
