#!/usr/bin/env node
// The project's test command (`npm test`): build, type-check, lint, then every vitest project
// (unit + end-to-end with real tmux and real agent CLIs). `npm run test:fast` skips the
// end-to-end project. Ends with one line: `N passed, N failed`; skipped tests are listed with
// their reason above it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const fast = process.argv.includes('--fast');
const root = new URL('..', import.meta.url).pathname;
const tmp = join(root, '.test-tmp');
mkdirSync(tmp, { recursive: true });

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args) {
  process.stdout.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return r.status === 0;
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
step('build', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']);
step('typecheck', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'typecheck']);
step('lint', npx, ['eslint', '.']);
step('format', npx, ['prettier', '--check', '.']);

const report = join(tmp, 'vitest.json');
rmSync(report, { force: true });
process.stdout.write(`\n== tests${fast ? ' (fast: unit only)' : ' (unit + end-to-end)'}\n`);
spawnSync(
  npx,
  [
    'vitest',
    'run',
    ...(fast ? ['--project', 'unit'] : []),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ],
  { cwd: root, stdio: 'inherit', env: process.env },
);

const skipped = [];
try {
  const data = JSON.parse(readFileSync(report, 'utf8'));
  for (const file of data.testResults ?? []) {
    const results = file.assertionResults ?? [];
    if (results.length === 0 && file.status === 'failed') {
      failed++;
      failures.push(`${file.name}: ${file.message ?? 'failed to run'}`);
    }
    for (const t of results) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') {
        failed++;
        failures.push(t.fullName);
      } else skipped.push(t.fullName);
    }
  }
} catch (e) {
  failed++;
  failures.push(`vitest report unreadable: ${e.message}`);
}

if (skipped.length > 0) {
  process.stdout.write(`\nSkipped (${skipped.length}), with the reason in the suite name:\n`);
  for (const s of skipped) process.stdout.write(`  - ${s}\n`);
}
if (failures.length > 0) {
  process.stdout.write(`\nFailed:\n`);
  for (const f of failures) process.stdout.write(`  - ${f}\n`);
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
