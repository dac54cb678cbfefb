/**
 * For test-hosts.test.ts: starts one test host and then leaves without calling stop(), by
 * `exit` (the process ends on its own) or `signal` (waits to be ended with SIGTERM), so the
 * test can check that the exit hook removed everything. Prints the host as JSON when ready.
 */
import { startTestHosts } from './test-hosts.js';

const how = process.argv[2];
const th = await startTestHosts({ count: 1 });
process.stdout.write(`${JSON.stringify({ pid: process.pid, dir: th.dir, host: th.hosts[0] })}\n`);
if (how === 'exit') process.exit(0);
// keeps the event loop alive until the signal comes
setInterval(() => {}, 1_000);
