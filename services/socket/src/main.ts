import { readConfig, runService } from './run.js';

// The production entry: the socket service alone (`npm start` may add the demo's example backend: start.ts).
await runService(readConfig());
