import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../test/support/shared.js';
import { providers } from './index.js';
import { VERIFIED_VERSIONS, isVerified, unverifiedWarning, versionNumber } from './verified.js';

describe('the verified versions', () => {
  it('are exactly the rows of the compatibility matrix that passed every column', () => {
    const matrix = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docs', 'compatibility.json'), 'utf8'),
    ) as {
      clis: Record<string, { provider: string; version: string; columns: Record<string, string> }>;
    };
    const green = Object.values(matrix.clis)
      .filter((r) => Object.values(r.columns).every((c) => c === 'pass'))
      .map((r) => [r.provider, [r.version]]);
    expect(Object.fromEntries(green)).toEqual(VERIFIED_VERSIONS);
  });

  it('are the versions the end-to-end run pins (test/e2e/agent-clis.json)', () => {
    const pinned = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'test', 'e2e', 'agent-clis.json'), 'utf8'),
    ) as { clis: Record<string, string> };
    const versions = Object.values(pinned.clis).map((spec) =>
      spec.slice(spec.lastIndexOf('@') + 1),
    );
    expect(Object.values(VERIFIED_VERSIONS).flat().sort()).toEqual(versions.sort());
  });

  it('name known providers only', () => {
    for (const id of Object.keys(VERIFIED_VERSIONS)) expect(Object.keys(providers)).toContain(id);
  });
});

describe('versionNumber, isVerified, unverifiedWarning', () => {
  it('reads the number out of what a CLI prints', () => {
    expect(versionNumber('2.1.331 (Claude Code)')).toBe('2.1.331');
    expect(versionNumber('codex-cli 0.169.0')).toBe('0.169.0');
    expect(versionNumber('1.0.0-beta.2')).toBe('1.0.0-beta.2');
    expect(versionNumber('no number')).toBeNull();
    expect(versionNumber(null)).toBeNull();
  });

  it('verifies a version in the matrix, not another one, and knows nothing without one', () => {
    expect(isVerified('claude_code', '2.1.331')).toBe(true);
    expect(isVerified('claude_code', '2.1.332')).toBe(false);
    expect(isVerified('kiro_cli', '1.0.0')).toBe(false);
    expect(isVerified('claude_code', null)).toBeNull();
  });

  it('warns in one line naming the verified versions, only for an unverified version', () => {
    expect(unverifiedWarning('claude_code', 'Claude Code', '2.1.331')).toBeUndefined();
    expect(unverifiedWarning('claude_code', 'Claude Code', null)).toBeUndefined();
    expect(unverifiedWarning('codex', 'Codex', '0.170.0')).toBe(
      'Codex 0.170.0 is not a version cao has verified (verified: 0.169.0); it should work, but if its status looks wrong, see docs/compatibility.md.',
    );
    expect(unverifiedWarning('kiro_cli', 'Kiro CLI', '1.0.0')).toMatch(
      /^Kiro CLI 1\.0\.0 is not a version cao has verified \(verified: none \(checked against captured screens only\)\)/,
    );
  });
});
