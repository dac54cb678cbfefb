/** The dashboard's frame: top bar, the sessions sidebar, and the current view. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type WhoAmI } from './api';
import { HostsPage } from './hosts-page';
import { InboxPage } from './inbox';
import { WorktreesPage } from './worktrees';
import { Overview } from './overview';
import { href, useRoute, type Route } from './router';
import { SpawnPage } from './spawn-page';
import { store, useStore } from './store';
import { TerminalPage } from './terminal-page';
import { StatusBadge, terminalLabel } from './ui';
import { NotifyButton, useAsking } from './asking';
import { setHomeDir } from './paths';

/** The dashboard needs a login (a one-time link from `cao dashboard`); until then, this. */
export function App() {
  const [who, setWho] = useState<WhoAmI | 'none' | undefined>();
  useEffect(() => {
    api
      .whoami()
      .then((w) => {
        setHomeDir(w.home_dir);
        setWho(w);
      })
      .catch((e: unknown) =>
        setWho(e instanceof ApiError && e.status === 401 ? 'none' : undefined),
      );
  }, []);
  if (who === undefined) return null;
  if (who === 'none') return <LoginNeeded />;
  return <Dashboard readOnly={who.role !== 'owner'} />;
}

function LoginNeeded() {
  return (
    <div class="login-needed" data-testid="login-needed">
      <h1>cao dashboard</h1>
      <p>This browser is not logged in to cao-server.</p>
      <p>
        In a terminal on this machine, run <code>cao dashboard</code> and open the link it prints
        (it works once, for 5 minutes). <code>cao dashboard --viewer</code> prints a link that can
        only watch.
      </p>
    </div>
  );
}

function Dashboard({ readOnly }: { readOnly: boolean }) {
  const route = useRoute();
  const state = useStore();
  const [version, setVersion] = useState('');
  useAsking(state.sessions);
  useEffect(() => {
    store.start();
    api
      .health()
      .then((h) => setVersion(h.version))
      .catch(() => {});
  }, []);
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href={href.overview}>
          cao <span class="muted">dashboard</span>
        </a>
        <nav>
          <a class={route.view === 'overview' ? 'active' : ''} href={href.overview}>
            Sessions
          </a>
          <a class={route.view === 'inbox' ? 'active' : ''} href={href.inbox}>
            Inbox
          </a>
          <a class={route.view === 'worktrees' ? 'active' : ''} href={href.worktrees}>
            Worktrees
          </a>
          <a class={route.view === 'hosts' ? 'active' : ''} href={href.hosts}>
            Hosts
          </a>
          <a class={`button ${route.view === 'new' ? 'active' : ''}`} href={href.new}>
            New agent
          </a>
        </nav>
        <span class={`live ${state.live ? 'on' : 'off'}`} data-testid="live">
          {state.live ? 'live' : 'reconnecting…'}
        </span>
        {readOnly ? (
          <span class="muted small-text" data-testid="read-only">
            viewer (read-only)
          </span>
        ) : null}
        <NotifyButton />
        {version ? <span class="muted small-text">v{version}</span> : null}
      </header>
      <div class="body">
        <Sidebar route={route} />
        <main class="main">
          <View route={route} />
        </main>
      </div>
    </div>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'terminal':
      return <TerminalPage id={route.id} />;
    case 'new':
      return <SpawnPage />;
    case 'inbox':
      return <InboxPage />;
    case 'worktrees':
      return <WorktreesPage id={route.id} />;
    case 'hosts':
      return <HostsPage />;
    default:
      return <Overview />;
  }
}

function Sidebar({ route }: { route: Route }) {
  const state = useStore();
  const current = route.view === 'terminal' ? route.id : undefined;
  return (
    <nav class="sidebar" data-testid="sidebar">
      {state.sessions.length === 0 ? <p class="muted small-text">No sessions.</p> : null}
      {state.sessions.map((s) => (
        <div class="side-session" key={s.session.name} data-session={s.session.name}>
          <div class="side-session-name mono">{s.session.name}</div>
          <ul>
            {s.terminals.map((t) => (
              <li key={t.id}>
                <a
                  href={href.terminal(t.id)}
                  class={t.id === current ? 'current' : ''}
                  data-terminal={t.id}
                  data-status={t.status}
                >
                  <span class={`dot status-${t.status}`} />
                  <span class="name">{terminalLabel(t)}</span>
                  {t.host && t.host !== 'local' ? (
                    <span class="host-tag mono" data-host={t.host}>
                      {t.host}
                    </span>
                  ) : null}
                  <StatusBadge status={t.status} />
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
