/** Every session and its agents with their live status. */
import { useState } from 'preact/hooks';
import { api, errorText, type Session, type Usage } from './api';
import { shortPath } from './paths';
import { href } from './router';
import { store, useStore } from './store';
import { ErrorNote, StatusBadge, terminalLabel, timeAgo } from './ui';

export function Overview() {
  const state = useStore();
  return (
    <div class="page">
      <header class="page-head">
        <div>
          <h2>Sessions</h2>
          <p class="muted small-text">
            Each session is a tmux session; each agent runs in its own window. Statuses update live.
          </p>
        </div>
        <div class="head-actions">
          <a class="button" href={href.new}>
            New agent
          </a>
        </div>
      </header>
      <ErrorNote error={state.error} />
      {state.loaded && state.sessions.length === 0 ? (
        <div class="empty">
          <p>No sessions yet.</p>
          <p class="muted">
            Start one here (<a href={href.new}>New agent</a>) or from a shell:{' '}
            <code>cao launch --agents developer --headless</code>
          </p>
        </div>
      ) : null}
      <div class="cards">
        {state.sessions.map((s) => (
          <SessionCard key={s.session.name} session={s} />
        ))}
      </div>
    </div>
  );
}

/** `1,234 tok · $0.0123` (`cost ?` when the cost is unknown); empty before any reply. */
export function usageText(u: Usage | undefined): string {
  if (!u || u.replies === 0) return '';
  const cost = u.cost_usd === null ? 'cost ?' : `$${u.cost_usd.toFixed(u.cost_usd < 1 ? 4 : 2)}`;
  return `${u.total_tokens.toLocaleString('en')} tok · ${cost}`;
}

function SessionCard({ session }: { session: Session }) {
  const { usage } = useStore();
  const parts = session.terminals.map((t) => usage[t.id]).filter((u) => u !== undefined);
  const total: Usage = {
    total_tokens: parts.reduce((a, u) => a + u.total_tokens, 0),
    replies: parts.reduce((a, u) => a + u.replies, 0),
    cost_usd: parts.some((u) => u.replies > 0 && u.cost_usd === null)
      ? null
      : parts.reduce((a, u) => a + (u.cost_usd ?? 0), 0),
  };
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const name = session.session.name;
  const shutdown = async (): Promise<void> => {
    if (!confirm(`Shut down ${name} and every agent in it?`)) return;
    setBusy(true);
    try {
      await api.deleteSession(name);
      store.reload();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <article class="card" data-session={name}>
      <header class="card-head">
        <div>
          <h3 class="mono">{name}</h3>
          <p class="muted small-text">
            {shortPath(session.session.working_directory ?? '')} · started{' '}
            {timeAgo(session.session.created_at)}
            {usageText(total) ? ` · ${usageText(total)}` : ''}
          </p>
        </div>
        <button class="danger small" disabled={busy} onClick={() => void shutdown()}>
          Shut down
        </button>
      </header>
      <ul class="terminal-list">
        {session.terminals.map((t) => (
          <li key={t.id} data-terminal={t.id}>
            <a href={href.terminal(t.id)}>
              <span class="role">{t.caller_id ? 'worker' : 'conductor'}</span>
              <span class="name">{terminalLabel(t)}</span>
              <span class="mono muted">{t.id}</span>
              <span class="muted small-text">{t.provider}</span>
              <span class="muted small-text" data-host={t.host}>
                on {t.host}
              </span>
              <span class="muted small-text" data-usage>
                {usageText(usage[t.id])}
              </span>
              <StatusBadge status={t.status} />
            </a>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
    </article>
  );
}
