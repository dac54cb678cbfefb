#!/usr/bin/env node
import { errorMessage } from '../lib/errors.js';
import { runServer } from '../server/main.js';

runServer(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`cao-server: ${errorMessage(e)}\n`);
  process.exit(1);
});
