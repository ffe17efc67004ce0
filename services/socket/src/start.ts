import { embedsExampleBackend, exampleBackend, exampleBackendPort } from './example-backend.js';
import { readConfig, runService } from './run.js';

// `npm start`: the socket service, with the example backend beside it in this process for the dev demo.
const config = readConfig();
if (!embedsExampleBackend(config)) await runService(config);
else {
  let port: number;
  try {
    port = exampleBackendPort(process.env);
  } catch (err) {
    process.stderr.write(`gamesocket: invalid config: ${(err as Error).message}\n`);
    process.exit(1);
  }
  await runService(config, exampleBackend(config, port));
}
