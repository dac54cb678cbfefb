import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from './views.js';
import { adoptTerminals } from './adopt.js';

let s: TestStack | undefined;
let rootOnly: string | undefined;
afterEach(async () => {
  await s?.close();
  if (rootOnly) rmSync(rootOnly, { recursive: true, force: true });
});

describe('adoptTerminals', () => {
  it('keeps the live terminals and their files; sweeps the files of terminals that are gone', async () => {
    rootOnly = mkdtempSync(join(tmpdir(), 'cao-root-only-'));
    s = createTestStack({ rootOnlyDir: rootOnly });
    const live = (
      await s.req<TerminalView>(
        'POST',
        `/sessions?agent_profile=developer&session_name=a1&working_directory=${encodeURIComponent(s.work)}&provider=claude_code`,
      )
    ).body;
    for (const dir of [s.paths.tmp, rootOnly]) {
      writeFileSync(join(dir, `${live.id}.settings.json`), '{}');
      writeFileSync(join(dir, 'deadbeef.settings.json'), '{}');
    }
    writeFileSync(join(s.paths.tmp, 'notes.txt'), 'not a terminal file');

    const report = await adoptTerminals(s.deps);

    expect(report.adopted).toEqual([live.id]);
    expect(report.sweptFiles).toBe(2);
    expect(readdirSync(rootOnly)).toEqual([`${live.id}.settings.json`]);
    expect(readdirSync(s.paths.tmp)).toContain(`${live.id}.settings.json`);
    expect(readdirSync(s.paths.tmp)).toContain('notes.txt');
    expect(readdirSync(s.paths.tmp)).not.toContain('deadbeef.settings.json');
  });
});
