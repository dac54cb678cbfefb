/**
 * Workers in their own git worktrees (`use_worktree`): a worker's changes are isolated on its
 * own branch `cao/<session>/<terminal>`, made from the caller's HEAD, in
 * CAO_HOME/worktrees/<session>/<terminal>. The worktree outlives its worker until it is merged
 * into the caller's tree or removed. Git runs by argv only (git.ts); on this machine only.
 */
import { mkdirSync, rmSync, rmdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { CaoError } from '../lib/errors.js';
import { assertTerminalId, normalizeSessionName } from '../lib/names.js';
import { isoNow } from '../lib/time.js';
import type { WorktreeRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import { git, gitOk } from './git.js';

/** What a worktree will be made from, checked before anything exists. */
export interface WorktreePlan {
  /** The top of the caller's working tree (merges go there). */
  repo: string;
  /** Its HEAD commit. */
  baseCommit: string;
  /** Where the caller is inside it ('' at the top): the worker starts at the same place. */
  subdir: string;
}

export interface WorktreeView {
  terminal_id: string;
  session: string;
  agent_profile: string | null;
  branch: string;
  path: string;
  repo: string;
  base_commit: string;
  created_at: string;
  /** Whether the worker still runs in it (it must be gone before a merge or removal). */
  worker: 'running' | 'gone';
  /** Files that differ from the base commit (committed or not, new files included). */
  changed_files: number;
}

export interface WorktreeDiff {
  terminal_id: string;
  branch: string;
  base_commit: string;
  files: { status: string; path: string }[];
  /** The unified diff from the base commit to the worktree as it is now. */
  diff: string;
  truncated: boolean;
}

export interface MergeResult {
  terminal_id: string;
  branch: string;
  repo: string;
  merged: boolean;
  /** The caller's HEAD after the merge. */
  commit: string;
  files: string[];
  message: string;
}

/** A diff larger than this is cut (the API and the dashboard show it whole up to here). */
const MAX_DIFF_CHARS = 2 * 1024 * 1024;

export const worktreeBranch = (session: string, terminalId: string): string =>
  `cao/${normalizeSessionName(session)}/${assertTerminalId(terminalId)}`;

export function worktreePath(deps: CoreDeps, session: string, terminalId: string): string {
  return join(deps.paths.worktrees, normalizeSessionName(session), assertTerminalId(terminalId));
}

/**
 * Checks that `dir` is in a git working tree with a commit and no uncommitted changes to
 * tracked files (the worker would not see them). Creates nothing.
 */
export async function planWorktree(dir: string, host: string): Promise<WorktreePlan> {
  if (host !== 'local') {
    throw new CaoError(
      'INVALID_INPUT',
      `Worktrees are made on this machine only: a worker on host '${host}' cannot use one. Leave out use_worktree (--worktree), or run the worker here (host 'local').`,
    );
  }
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `'${dir}' is not in a git repository, so the worker cannot get a worktree. Run 'git init' and commit there, pick a directory inside a repository, or leave out use_worktree (--worktree).`,
    );
  }
  const repo = top.stdout.trim();
  const head = await git(repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code !== 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `The repository at '${repo}' has no commit yet; a worktree starts from one. Commit once, then try again.`,
    );
  }
  const dirty = await changedTracked(repo);
  if (dirty.length > 0) {
    throw new CaoError(
      'CONFLICT',
      `'${repo}' has uncommitted changes (${listed(dirty)}); the worker's worktree starts from the last commit and would not see them. Commit or stash them, then try again.`,
      { details: { repo, files: dirty } },
    );
  }
  return { repo, baseCommit: head.stdout.trim(), subdir: relative(repo, dir) };
}

/** Makes the worktree and its branch, and records it. */
export async function createWorktree(
  deps: CoreDeps,
  plan: WorktreePlan,
  w: { session: string; terminalId: string; agentProfile: string | null },
): Promise<WorktreeRecord> {
  const path = worktreePath(deps, w.session, w.terminalId);
  const branch = worktreeBranch(w.session, w.terminalId);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const r = await git(plan.repo, [
    'worktree',
    'add',
    '--quiet',
    '-b',
    branch,
    path,
    plan.baseCommit,
  ]);
  if (r.code !== 0) {
    throw new CaoError(
      'CONFLICT',
      `Could not make a worktree for the worker in '${plan.repo}': ${(r.stderr || r.stdout).trim()}`,
    );
  }
  const record: WorktreeRecord = {
    terminalId: w.terminalId,
    session: normalizeSessionName(w.session),
    agentProfile: w.agentProfile,
    branch,
    path,
    repo: plan.repo,
    baseCommit: plan.baseCommit,
    createdAt: isoNow(),
  };
  await deps.store.insertWorktree(record);
  return record;
}

/** Removes the worktree, its branch and its row (also after a failed start). */
export async function destroyWorktree(deps: CoreDeps, w: WorktreeRecord): Promise<void> {
  const r = await git(w.repo, ['worktree', 'remove', '--force', w.path]).catch(() => undefined);
  if (!r || r.code !== 0) {
    // the repository moved or the folder was half made: remove what is there
    rmSync(w.path, { recursive: true, force: true });
    await git(w.repo, ['worktree', 'prune']).catch(() => undefined);
  }
  await git(w.repo, ['branch', '-D', w.branch]).catch(() => undefined);
  try {
    rmdirSync(dirname(w.path)); // the session's folder, once empty
  } catch {
    // not empty, or gone
  }
  await deps.store.deleteWorktree(w.terminalId);
}

export class WorktreeService {
  constructor(private readonly deps: CoreDeps) {}

  async list(): Promise<WorktreeView[]> {
    const out: WorktreeView[] = [];
    for (const w of await this.deps.store.listWorktrees()) {
      const files = await this.changes(w).catch(() => []);
      out.push({ ...(await this.view(w)), changed_files: files.length });
    }
    return out;
  }

  async get(terminalId: string): Promise<WorktreeRecord> {
    const w = await this.deps.store.getWorktree(assertTerminalId(terminalId));
    if (!w) {
      throw new CaoError(
        'NOT_FOUND',
        `Terminal ${terminalId} has no worktree (it was merged or removed, or the worker ran without one). List them with 'cao worktree list'.`,
      );
    }
    return w;
  }

  /** The worker's changes: from the base commit to the worktree as it is (uncommitted and new
   *  files included), read through a private index so the worker's own index is untouched. */
  async diff(terminalId: string): Promise<WorktreeDiff> {
    const w = await this.get(terminalId);
    const files = await this.changes(w);
    const text = await this.withSnapshot(w, (env) =>
      gitOk(w.path, ['diff', '--cached', '--no-color', '--no-ext-diff', w.baseCommit], env),
    );
    const truncated = text.length > MAX_DIFF_CHARS;
    return {
      terminal_id: w.terminalId,
      branch: w.branch,
      base_commit: w.baseCommit,
      files,
      diff: truncated ? text.slice(0, MAX_DIFF_CHARS) : text,
      truncated,
    };
  }

  /**
   * Commits what the worker left uncommitted on its branch and merges the branch into the
   * caller's tree (a merge commit), then removes the worktree and the branch. A conflict
   * aborts the merge, leaving the caller's tree as it was, and keeps the worktree.
   */
  async merge(terminalId: string): Promise<MergeResult> {
    const w = await this.get(terminalId);
    await this.assertWorkerGone(w, 'merge');
    const dirty = await changedTracked(w.repo);
    if (dirty.length > 0) {
      throw new CaoError(
        'CONFLICT',
        `Your tree at '${w.repo}' has uncommitted changes (${listed(dirty)}). Commit or stash them, then run 'cao worktree merge ${w.terminalId}' again.`,
        { details: { repo: w.repo, files: dirty } },
      );
    }
    const identity = await identityEnv(w.repo);
    if ((await git(w.path, ['status', '--porcelain'])).stdout.trim() !== '') {
      await gitOk(w.path, ['add', '-A']);
      await gitOk(
        w.path,
        ['commit', '--quiet', '--no-verify', '-m', `cao: changes of worker ${w.terminalId}`],
        identity,
      );
    }
    const files = (await gitOk(w.repo, ['diff', '--name-only', w.baseCommit, w.branch]))
      .split('\n')
      .filter(Boolean);
    const ahead = Number(
      (await gitOk(w.repo, ['rev-list', '--count', `${w.baseCommit}..${w.branch}`])).trim(),
    );
    if (ahead === 0) {
      await destroyWorktree(this.deps, w);
      const head = (await gitOk(w.repo, ['rev-parse', 'HEAD'])).trim();
      return {
        terminal_id: w.terminalId,
        branch: w.branch,
        repo: w.repo,
        merged: false,
        commit: head,
        files: [],
        message: `Worker ${w.terminalId} changed nothing; its worktree and branch were removed.`,
      };
    }
    const r = await git(
      w.repo,
      [
        'merge',
        '--no-ff',
        '--no-edit',
        '-m',
        `Merge ${w.branch} (cao worker ${w.terminalId}${w.agentProfile ? `, ${w.agentProfile}` : ''})`,
        w.branch,
      ],
      identity,
    );
    if (r.code !== 0) {
      const conflicted = (await git(w.repo, ['diff', '--name-only', '--diff-filter=U'])).stdout
        .split('\n')
        .filter(Boolean);
      await git(w.repo, ['merge', '--abort']);
      throw new CaoError(
        'CONFLICT',
        conflicted.length > 0
          ? `Merging ${w.branch} into '${w.repo}' conflicts in ${listed(conflicted)}; the merge was aborted and your tree is as it was. ` +
              `Merge it by hand ('git merge ${w.branch}' there, resolve, commit), then 'cao worktree remove ${w.terminalId}'.`
          : `Merging ${w.branch} into '${w.repo}' failed and was aborted: ${(r.stderr || r.stdout).trim()}`,
        { details: { repo: w.repo, branch: w.branch, files: conflicted } },
      );
    }
    const head = (await gitOk(w.repo, ['rev-parse', 'HEAD'])).trim();
    await destroyWorktree(this.deps, w);
    return {
      terminal_id: w.terminalId,
      branch: w.branch,
      repo: w.repo,
      merged: true,
      commit: head,
      files,
      message: `Merged ${w.branch} into '${w.repo}' (${files.length} file(s)); its worktree and branch were removed.`,
    };
  }

  /** Removes the worktree and its branch, with whatever was not merged. */
  async remove(terminalId: string): Promise<void> {
    const w = await this.get(terminalId);
    await this.assertWorkerGone(w, 'remove');
    await destroyWorktree(this.deps, w);
  }

  private async view(w: WorktreeRecord): Promise<Omit<WorktreeView, 'changed_files'>> {
    return {
      terminal_id: w.terminalId,
      session: w.session,
      agent_profile: w.agentProfile,
      branch: w.branch,
      path: w.path,
      repo: w.repo,
      base_commit: w.baseCommit,
      created_at: w.createdAt,
      worker: (await this.deps.store.getTerminal(w.terminalId)) ? 'running' : 'gone',
    };
  }

  private async assertWorkerGone(w: WorktreeRecord, what: 'merge' | 'remove'): Promise<void> {
    if (await this.deps.store.getTerminal(w.terminalId)) {
      throw new CaoError(
        'CONFLICT',
        `Worker ${w.terminalId} still runs in this worktree and may still change it. Delete it first ('cao agent delete ${w.terminalId}'), then ${what} again.`,
      );
    }
  }

  private async changes(w: WorktreeRecord): Promise<{ status: string; path: string }[]> {
    const out = await this.withSnapshot(w, (env) =>
      gitOk(
        w.path,
        ['-c', 'core.quotepath=false', 'diff', '--cached', '--name-status', w.baseCommit],
        env,
      ),
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [status = '', ...rest] = line.split('\t');
        return { status, path: rest.join(' -> ') };
      });
  }

  /** Runs `fn` with a private index holding the worktree as it is now (new files included). */
  private async withSnapshot<T>(
    w: WorktreeRecord,
    fn: (env: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    const index = join(this.deps.paths.tmp, `worktree-${randomBytes(6).toString('hex')}.index`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await gitOk(w.path, ['read-tree', 'HEAD'], env);
      await gitOk(w.path, ['add', '-A'], env);
      return await fn(env);
    } finally {
      rmSync(index, { force: true });
    }
  }
}

/** Tracked files with changes (staged or not); untracked files do not count. */
async function changedTracked(repo: string): Promise<string[]> {
  const r = await gitOk(repo, [
    '-c',
    'core.quotepath=false',
    'status',
    '--porcelain',
    '--untracked-files=no',
  ]);
  return r
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
}

/** The user's identity if git has one, else cao's (for the commits cao makes). */
async function identityEnv(repo: string): Promise<Record<string, string>> {
  const email = await git(repo, ['config', '--get', 'user.email']);
  const name = await git(repo, ['config', '--get', 'user.name']);
  if (email.code === 0 && name.code === 0) return {};
  return {
    GIT_AUTHOR_NAME: 'cao',
    GIT_AUTHOR_EMAIL: 'cao@localhost',
    GIT_COMMITTER_NAME: 'cao',
    GIT_COMMITTER_EMAIL: 'cao@localhost',
  };
}

const listed = (files: readonly string[]): string =>
  files.length <= 5
    ? files.join(', ')
    : `${files.slice(0, 5).join(', ')} and ${files.length - 5} more`;
