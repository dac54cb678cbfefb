#!/usr/bin/env node
import { CaoError } from '../lib/errors.js';
import { runServer } from '../server/main.js';

runServer(process.argv.slice(2)).catch((e: unknown) => {
  // cao's own errors say what to do; anything else is a bug, with its stack
  process.stderr.write(
    e instanceof CaoError
      ? `Error: ${e.message}\n`
      : `Error: unexpected (a bug in cao): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(e instanceof CaoError ? 1 : 2);
});
