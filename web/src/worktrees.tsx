/**
 * Workers' git worktrees (`use_worktree`): each one's branch, whether its worker still runs,
 * how many files it changed, and its diff; merge it into the caller's tree, or remove it.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Worktree, type WorktreeDiff } from './api';
import { href, navigate } from './router';
import { useStore } from './store';
import { ErrorNote, Panel, timeAgo } from './ui';

export function WorktreesPage({ id }: { id?: string | undefined }) {
  const state = useStore();
  const [list, setList] = useState<Worktree[]>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stale = false;
    api
      .worktrees()
      .then((w) => !stale && setList(w))
      .catch((e: unknown) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [tick, state.sessions]);
  const act = async (what: 'merge' | 'remove', w: Worktree): Promise<void> => {
    if (what === 'remove' && !confirm(`Remove ${w.branch} and the changes in it?`)) return;
    setError(undefined);
    try {
      if (what === 'merge') await api.mergeWorktree(w.terminal_id);
      else await api.removeWorktree(w.terminal_id);
      if (id === w.terminal_id) navigate(href.worktrees);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setTick((n) => n + 1);
    }
  };
  return (
    <div class="page">
      <header class="page-head">
        <div>
          <h2>Worktrees</h2>
          <p class="muted small-text">
            Workers started with use_worktree work on their own branch in their own git worktree. It
            stays after the worker is gone, until it is merged into the caller's tree or removed.
          </p>
        </div>
      </header>
      <Panel title={`Worktrees${list ? ` (${list.length})` : ''}`} testid="worktrees">
        {!list ? (
          <p class="muted">Loading…</p>
        ) : list.length === 0 ? (
          <p class="muted">No worktrees.</p>
        ) : (
          <table class="messages worktrees">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Branch</th>
                <th>Changed</th>
                <th>Merges into</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.terminal_id} data-worktree={w.terminal_id}>
                  <td>
                    {w.agent_profile ?? 'worker'} <span class="mono muted">{w.terminal_id}</span>
                    <div class="muted small-text">
                      {w.worker === 'running' ? 'running' : 'gone'} · {timeAgo(w.created_at)}
                    </div>
                  </td>
                  <td class="mono small-text">{w.branch}</td>
                  <td>{w.changed_files} file(s)</td>
                  <td class="mono small-text" title={w.repo}>
                    {w.repo.split('/').filter(Boolean).at(-1) ?? w.repo}
                  </td>
                  <td>
                    <div class="button-row">
                      <a class="button" href={href.worktree(w.terminal_id)}>
                        Diff
                      </a>
                      <button
                        disabled={w.worker === 'running'}
                        title={w.worker === 'running' ? 'Delete the worker first' : ''}
                        onClick={() => void act('merge', w)}
                      >
                        Merge
                      </button>
                      <button
                        disabled={w.worker === 'running'}
                        onClick={() => void act('remove', w)}
                      >
                        Remove
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ErrorNote error={error} />
      </Panel>
      {id ? <DiffPanel id={id} tick={tick} /> : null}
    </div>
  );
}

function DiffPanel({ id, tick }: { id: string; tick: number }) {
  const [diff, setDiff] = useState<WorktreeDiff>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stale = false;
    setError(undefined);
    api
      .worktreeDiff(id)
      .then((d) => !stale && setDiff(d))
      .catch((e: unknown) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [id, tick]);
  return (
    <Panel title={`Diff of ${id}${diff ? ` (${diff.branch})` : ''}`} testid="worktree-diff">
      <ErrorNote error={error} />
      {diff ? (
        <>
          <ul class="diff-files small-text">
            {diff.files.map((f) => (
              <li key={f.path}>
                <span class="mono">{f.status}</span> {f.path}
              </li>
            ))}
          </ul>
          {diff.diff ? (
            <pre class="diff">
              {diff.diff.split('\n').map((line, i) => (
                <span
                  key={i}
                  class={
                    line.startsWith('+') && !line.startsWith('+++')
                      ? 'add'
                      : line.startsWith('-') && !line.startsWith('---')
                        ? 'del'
                        : line.startsWith('@@')
                          ? 'hunk'
                          : ''
                  }
                >
                  {line}
                  {'\n'}
                </span>
              ))}
            </pre>
          ) : (
            <p class="muted">No changes since {diff.base_commit.slice(0, 12)}.</p>
          )}
          {diff.truncated ? <p class="muted small-text">The diff is cut at 2 MiB.</p> : null}
        </>
      ) : error ? null : (
        <p class="muted">Loading…</p>
      )}
    </Panel>
  );
}
