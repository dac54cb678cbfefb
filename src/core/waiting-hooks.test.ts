/**
 * The on_waiting hook, run for real (a script file, no shell string) by the in-process stack
 * when a fake Claude Code stops at a permission prompt: the profile's hook wins over the
 * global one, the question and options arrive in the environment, once per wait.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { sleep } from '../lib/time.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A hook script that appends its CAO_* environment and first argument to a file. */
function hookScript(dir: string): string {
  const file = join(dir, 'hook.sh');
  writeFileSync(
    file,
    '#!/bin/sh\n{ echo "tag=$1"; echo "id=$CAO_TERMINAL_ID"; echo "session=$CAO_SESSION"; echo "question=$CAO_QUESTION"; echo "options=$CAO_OPTIONS"; echo ---; } >> "$2"\n',
  );
  chmodSync(file, 0o755);
  return file;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('on_waiting hooks', () => {
  it("run the profile's argv once per wait, with the question in the environment", async () => {
    s = createTestStack({ program: () => fakeClaude({ permissionOn: 'DANGER' }) });
    const stack = s;
    const script = hookScript(stack.root);
    const out = join(stack.root, 'hook.out');
    const globalOut = join(stack.root, 'global.out');
    mkdirSync(stack.paths.agentStore, { recursive: true });
    writeFileSync(
      join(stack.paths.agentStore, 'asker.md'),
      `---\nname: asker\ndescription: asks\nprovider: claude_code\non_waiting: ["${script}", "profile; not a shell", "${out}"]\n---\nYou ask.\n`,
    );
    writeFileSync(
      stack.paths.settings,
      JSON.stringify({ hooks: { on_waiting: [script, 'global', globalOut] } }),
    );
    const created = await stack.req<{ id: string }>('POST', '/sessions', {
      agent_profile: 'asker',
      session_name: 'hook1',
      working_directory: stack.work,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const sent = await stack.req('POST', `/terminals/${id}/messages`, { message: 'DANGER now' });
    expect(sent.status).toBe(201);
    await until(() => existsSync(out), 'the hook ran');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('tag=profile; not a shell\n');
    expect(text).toContain(`id=${id}\nsession=cao-hook1\n`);
    expect(text).toContain('question=Do you want to proceed?\noptions=Yes\nNo\n');
    expect(text.split('---').length - 1).toBe(1);
    expect(existsSync(globalOut)).toBe(false);
  });

  it('fall back to settings.json hooks.on_waiting for a profile without one', async () => {
    s = createTestStack({ program: () => fakeClaude({ permissionOn: 'DANGER' }) });
    const stack = s;
    const script = hookScript(stack.root);
    const globalOut = join(stack.root, 'global.out');
    writeFileSync(
      stack.paths.settings,
      JSON.stringify({ hooks: { on_waiting: [script, 'global', globalOut] } }),
    );
    const created = await stack.req<{ id: string }>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: 'hook2',
      working_directory: stack.work,
    });
    expect(created.status).toBe(201);
    await stack.req('POST', `/terminals/${created.body.id}/messages`, { message: 'DANGER now' });
    await until(() => existsSync(globalOut), 'the global hook ran');
    expect(readFileSync(globalOut, 'utf8')).toContain(`tag=global\nid=${created.body.id}\n`);
  });
});
