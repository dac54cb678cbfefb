#!/usr/bin/env node
// `npm run test:latest` (not part of `npm test`): the provider end-to-end suite against the
// newest registry version of each agent CLI. Asks npm for each CLI's latest version, writes a
// manifest with those versions to .cache/agent-clis-latest/, installs them there (not over the
// pinned ones in .cache/agent-clis), and runs test/e2e/providers.test.ts, which writes
// docs/compatibility-latest.md (and .json). The pinned, verified matrix is left as it is.
// CAO_E2E_CLIS=claude,codex limits the run as usual. Slow: about as long as the pinned suite.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.cache', 'agent-clis-latest');
const pinned = JSON.parse(readFileSync(join(root, 'test', 'e2e', 'agent-clis.json'), 'utf8'));
const only = process.env.CAO_E2E_CLIS?.split(',').filter(Boolean);

const clis = {};
for (const [cli, spec] of Object.entries(pinned.clis)) {
  if (only && !only.includes(cli)) continue;
  const name = spec.slice(0, spec.lastIndexOf('@'));
  const latest = execFileSync('npm', ['view', name, 'version'], { encoding: 'utf8' }).trim();
  process.stdout.write(`${cli}: ${name} pinned ${spec.slice(name.length + 1)}, latest ${latest}\n`);
  clis[cli] = `${name}@${latest}`;
}
mkdirSync(dir, { recursive: true });
const manifest = join(dir, 'manifest.json');
writeFileSync(manifest, `${JSON.stringify({ ...pinned, clis }, null, 2)}\n`);

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const env = {
  ...process.env,
  CAO_TEST_AGENTS_DIR: dir,
  CAO_TEST_AGENTS_MANIFEST: manifest,
  CAO_COMPAT_LATEST: '1',
  CAO_E2E_CLIS: Object.keys(clis).join(','),
};
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(npx, ['vitest', 'run', '--project', 'e2e', 'test/e2e/providers.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.stdout.write('\nwrote docs/compatibility-latest.md\n');
process.exit(r.status ?? 1);
