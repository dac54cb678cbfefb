/**
 * The CLIs on this machine and the launch warning for an unverified version: real executables
 * (small scripts that print a version) on a private PATH, and the in-process stack.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';
import { cliLine } from '../cli/commands/info.js';
import { launchWarnings, providerInfoSource } from './providers-info.js';

let dir: string | undefined;
let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A PATH holding `claude` that says it is `version` and `codex` at the verified 0.169.0. */
function path(version: string): string {
  dir = mkdtempSync(join(tmpdir(), 'cao-clis-'));
  for (const [bin, out] of [
    ['claude', `${version} (Claude Code)`],
    ['codex', 'codex-cli 0.169.0'],
  ] as const) {
    writeFileSync(join(dir, bin), `#!/bin/sh\necho '${out}'\n`);
    chmodSync(join(dir, bin), 0o755);
  }
  return dir;
}

describe('GET /agents/providers data', () => {
  it('gives each installed CLI its version and whether the matrix verified it', async () => {
    const info = await providerInfoSource(() => path('2.1.999'))();
    const byName = Object.fromEntries(info.map((p) => [p.name, p]));
    expect(byName['claude_code']).toMatchObject({
      installed: true,
      version: '2.1.999 (Claude Code)',
      version_number: '2.1.999',
      verified: false,
      verified_versions: ['2.1.331'],
    });
    expect(byName['codex']).toMatchObject({ version_number: '0.169.0', verified: true });
    expect(byName['gemini_cli']).toMatchObject({ installed: false, version: null, verified: null });
    expect(cliLine(byName['claude_code']!)).toBe(
      'Claude Code (claude_code) 2.1.999: not verified (verified: 2.1.331)',
    );
    expect(cliLine(byName['codex']!)).toBe('Codex CLI (codex) 0.169.0: verified');
  });

  it('asks only the one provider named', async () => {
    const info = await providerInfoSource(() => path('2.1.331'))('codex');
    expect(info.map((p) => p.name)).toEqual(['codex']);
  });
});

describe('launch warnings', () => {
  it('one line for an unverified local CLI; none for a verified one or one on another host', async () => {
    const info = { providerInfo: providerInfoSource(() => path('2.1.999')) };
    expect(await launchWarnings(info, { provider: 'claude_code', host: 'local' })).toEqual([
      'Claude Code 2.1.999 is not a version cao has verified (verified: 2.1.331); it should work, but if its status looks wrong, see docs/compatibility.md.',
    ]);
    expect(await launchWarnings(info, { provider: 'codex', host: 'local' })).toEqual([]);
    expect(await launchWarnings(info, { provider: 'claude_code', host: 'b1' })).toEqual([]);
  });

  it('POST /sessions and POST /sessions/{name}/terminals return them; the launch works', async () => {
    s = createTestStack({ providerInfo: providerInfoSource(() => path('2.1.999')) });
    const first = await s.req<TerminalView & { warnings: string[] }>(
      'POST',
      `/sessions?agent_profile=developer&session_name=v&working_directory=${s.work}&provider=claude_code`,
    );
    expect(first.status).toBe(201);
    expect(first.body.warnings).toHaveLength(1);
    expect(first.body.warnings[0]).toMatch(/^Claude Code 2\.1\.999 is not a version cao has/);
    const second = await s.req<TerminalView & { warnings: string[] }>(
      'POST',
      `/sessions/${first.body.session_name}/terminals?agent_profile=developer&provider=claude_code`,
    );
    expect(second.status).toBe(201);
    expect(second.body.warnings).toEqual(first.body.warnings);
  });
});
