/**
 * Workers in their own git worktrees, on real git repositories (temp folders), over the
 * in-process stack (fake runtime and agents, in-memory store, real CAO_HOME under a temp root).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from './views.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const gitIn = (dir: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-C', dir, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args],
    { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
  ).trim();

/** A repository with one commit (README.md, src/app.txt) at `root/name`. */
function repo(root: string, name = 'repo'): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  gitIn(dir, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), 'hello\n');
  writeFileSync(join(dir, 'src', 'app.txt'), 'one\ntwo\nthree\n');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '--quiet', '-m', 'first');
  return realpathSync(dir);
}

async function stack(): Promise<TestStack> {
  s = createTestStack();
  await s.started;
  return s;
}

/** Session `cao-w` whose conductor works in `dir`. */
const conductor = (st: TestStack, dir: string): Promise<TerminalView> =>
  st.core.sessions.create({
    sessionName: 'w',
    profileName: 'developer',
    provider: 'claude_code',
    workingDirectory: dir,
  });

async function workerIn(st: TestStack, caller: TerminalView): Promise<TerminalView> {
  const { terminal } = await st.core.orchestrator.startWorker({
    callerId: caller.id,
    profileName: 'reviewer',
    provider: 'claude_code',
    message: 'Change the app',
    type: 'assign',
    useWorktree: true,
  });
  return terminal;
}

describe('worktrees', () => {
  it("a worker gets its own worktree and branch from the caller's HEAD, at the caller's place in it", async () => {
    const st = await stack();
    const dir = repo(st.root);
    const caller = await conductor(st, join(dir, 'src'));
    const w = await workerIn(st, caller);
    const path = join(st.paths.worktrees, 'cao-w', w.id);
    expect(w.working_directory).toBe(join(path, 'src'));
    expect(readFileSync(join(path, 'src', 'app.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(gitIn(path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`cao/cao-w/${w.id}`);
    expect(gitIn(path, 'rev-parse', 'HEAD')).toBe(gitIn(dir, 'rev-parse', 'HEAD'));
    const [view] = await st.core.worktrees.list();
    expect(view).toMatchObject({
      terminal_id: w.id,
      session: 'cao-w',
      agent_profile: 'reviewer',
      branch: `cao/cao-w/${w.id}`,
      path,
      repo: dir,
      worker: 'running',
      changed_files: 0,
    });
    // the assign result tells the supervisor where the changes will be
    const assigned = await st.core.tools.assign(caller.id, {
      agentProfile: 'reviewer',
      message: 'again',
      useWorktree: true,
    });
    expect(assigned.message).toMatch(/own git worktree .*cao worktree merge/);
  });

  it('diff shows committed, uncommitted and new files; merge takes them into the caller and cleans up', async () => {
    const st = await stack();
    const dir = repo(st.root);
    const caller = await conductor(st, dir);
    const w = await workerIn(st, caller);
    const path = join(st.paths.worktrees, 'cao-w', w.id);
    writeFileSync(join(path, 'README.md'), 'hello\nworld\n');
    gitIn(path, 'commit', '--quiet', '-am', 'worker: readme');
    writeFileSync(join(path, 'src', 'app.txt'), 'one\nTWO\nthree\n'); // not committed
    writeFileSync(join(path, 'NEW.md'), 'new\n'); // not even added
    const d = await st.core.worktrees.diff(w.id);
    expect(d.files).toEqual([
      { status: 'A', path: 'NEW.md' },
      { status: 'M', path: 'README.md' },
      { status: 'M', path: 'src/app.txt' },
    ]);
    expect(d.diff).toContain('+TWO');
    expect(d.diff).toContain('+world');
    expect(d.truncated).toBe(false);
    // the diff did not stage anything in the worker's own index
    expect(gitIn(path, 'status', '--porcelain')).toBe(
      'M src/app.txt\n?? NEW.md', // (leading space trimmed)
    );

    await expect(st.core.worktrees.merge(w.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/still runs in this worktree.*cao agent delete/),
    });
    await st.core.terminals.delete(w.id);
    expect((await st.core.worktrees.list())[0]).toMatchObject({ worker: 'gone', changed_files: 3 });
    const r = await st.core.worktrees.merge(w.id);
    expect(r).toMatchObject({ merged: true, files: ['NEW.md', 'README.md', 'src/app.txt'] });
    expect(readFileSync(join(dir, 'src', 'app.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(readFileSync(join(dir, 'NEW.md'), 'utf8')).toBe('new\n');
    expect(gitIn(dir, 'rev-parse', 'HEAD')).toBe(r.commit);
    expect(gitIn(dir, 'status', '--porcelain')).toBe('');
    expect(existsSync(path)).toBe(false);
    expect(gitIn(dir, 'branch', '--list', 'cao/*')).toBe('');
    expect(await st.core.worktrees.list()).toEqual([]);
    await expect(st.core.worktrees.diff(w.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a conflicting merge is aborted: the caller keeps a clean tree, the worktree stays', async () => {
    const st = await stack();
    const dir = repo(st.root);
    const caller = await conductor(st, dir);
    const w = await workerIn(st, caller);
    const path = join(st.paths.worktrees, 'cao-w', w.id);
    writeFileSync(join(path, 'README.md'), 'worker\n');
    await st.core.terminals.delete(w.id);
    writeFileSync(join(dir, 'README.md'), 'caller\n');
    // a dirty caller is refused first
    await expect(st.core.worktrees.merge(w.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/uncommitted changes \(README.md\).*Commit or stash/),
    });
    gitIn(dir, 'commit', '--quiet', '-am', 'caller: readme');
    const head = gitIn(dir, 'rev-parse', 'HEAD');
    await expect(st.core.worktrees.merge(w.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/conflicts in README.md; the merge was aborted/),
    });
    expect(gitIn(dir, 'status', '--porcelain')).toBe('');
    expect(gitIn(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('caller\n');
    expect(existsSync(path)).toBe(true);
    await st.core.worktrees.remove(w.id);
    expect(existsSync(path)).toBe(false);
    expect(gitIn(dir, 'branch', '--list', 'cao/*')).toBe('');
  });

  it('refuses a folder outside git, a repository without commits, and uncommitted changes; creates nothing', async () => {
    const st = await stack();
    const plain = join(st.root, 'plain');
    mkdirSync(plain);
    const caller = await conductor(st, realpathSync(plain));
    await expect(workerIn(st, caller)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/is not in a git repository.*git init/),
    });
    const empty = join(st.root, 'empty');
    mkdirSync(empty);
    gitIn(empty, 'init', '--quiet');
    await expect(
      st.core.orchestrator.startWorker({
        callerId: caller.id,
        profileName: 'reviewer',
        provider: 'claude_code',
        workingDirectory: realpathSync(empty),
        message: 'x',
        type: 'assign',
        useWorktree: true,
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/no commit yet/) });
    const dir = repo(st.root);
    writeFileSync(join(dir, 'README.md'), 'changed\n');
    await expect(
      st.core.orchestrator.startWorker({
        callerId: caller.id,
        profileName: 'reviewer',
        provider: 'claude_code',
        workingDirectory: dir,
        message: 'x',
        type: 'assign',
        useWorktree: true,
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/uncommitted changes \(README.md\)/),
    });
    expect(await st.store.listTerminals()).toHaveLength(1);
    expect(await st.store.listWorktrees()).toEqual([]);
    expect(gitIn(dir, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('the API lists, diffs, merges and removes; a bad id is refused', async () => {
    const st = await stack();
    const dir = repo(st.root);
    const caller = await conductor(st, dir);
    const w = await workerIn(st, caller);
    writeFileSync(join(st.paths.worktrees, 'cao-w', w.id, 'NEW.md'), 'new\n');
    const list = await st.req<{ terminal_id: string }[]>('GET', '/worktrees');
    expect(list.body.map((x) => x.terminal_id)).toEqual([w.id]);
    const d = await st.req<{ files: unknown[] }>('GET', `/worktrees/${w.id}/diff`);
    expect(d.body.files).toEqual([{ status: 'A', path: 'NEW.md' }]);
    expect((await st.req('POST', `/worktrees/${w.id}/merge`)).status).toBe(409);
    expect((await st.req('DELETE', `/worktrees/${w.id}`)).status).toBe(409);
    await st.core.terminals.delete(w.id);
    expect((await st.req('DELETE', `/worktrees/${w.id}`)).body).toEqual({ success: true });
    expect((await st.req('GET', '/worktrees/../diff')).status).toBeGreaterThanOrEqual(400);
    expect((await st.req('GET', '/worktrees/nothere1/diff')).status).toBe(422);
    expect((await st.req('GET', '/worktrees/abcdef12/diff')).status).toBe(404);
  });
});
