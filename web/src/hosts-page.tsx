/** The machines agents run on (GET /hosts): reachable or why not, tmux, CLIs, memory, agents. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Host } from './api';
import { ErrorNote } from './ui';

const gib = (bytes: number | null): string =>
  bytes === null ? '?' : `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

export function HostsPage() {
  const [hosts, setHosts] = useState<Host[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const load = async (): Promise<void> => {
    setBusy(true);
    try {
      setHosts(await api.hosts());
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  return (
    <div class="page">
      <header class="page-head">
        <div>
          <h2>Hosts</h2>
          <p class="muted small-text">
            The machines agents run on: <code>local</code> is this one; add others with{' '}
            <code>cao host add NAME DESTINATION</code> (over your OpenSSH).
          </p>
        </div>
        <div class="head-actions">
          <button disabled={busy} onClick={() => void load()}>
            Check again
          </button>
        </div>
      </header>
      <ErrorNote error={error} />
      {hosts ? (
        <table class="hosts" data-testid="hosts">
          <thead>
            <tr>
              <th>Host</th>
              <th>Destination</th>
              <th>Reachable</th>
              <th>tmux</th>
              <th>Agent CLIs</th>
              <th>Free memory</th>
              <th>Agents</th>
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => (
              <tr key={h.name} data-host={h.name} data-reachable={String(h.reachable)}>
                <td class="mono">{h.name}</td>
                <td class="mono">{h.destination || 'this machine'}</td>
                <td>
                  {h.reachable ? 'yes' : <span class="error-note">no: {h.problem ?? h.state}</span>}
                </td>
                <td>{h.tmux ?? ''}</td>
                <td class="small-text">
                  {h.clis.map((c) => `${c.provider} ${c.version}`.trim()).join(', ')}
                  {h.notes.map((n) => (
                    <div class="note" key={n}>
                      {n}
                    </div>
                  ))}
                </td>
                <td>{gib(h.mem_available)}</td>
                <td>
                  {h.agents}
                  {h.max_agents === null ? '' : ` / ${h.max_agents}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
