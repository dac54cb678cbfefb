#!/usr/bin/env node
import { main } from '../cli/main.js';

const code = await main(process.argv.slice(2));
// A finished command exits now rather than when the event loop drains: the HTTP client keeps
// its idle connection to cao-server open for a while, which held every command back by more
// than 100 ms. What was written to stdout and stderr goes out first.
const flushed = (s: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => (s.writableLength === 0 ? resolve() : s.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
