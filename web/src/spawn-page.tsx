/** Start an agent: a new session whose conductor runs the chosen profile (POST /sessions). */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Profile, type Provider } from './api';
import { href, navigate } from './router';
import { store } from './store';
import { ErrorNote, Panel } from './ui';

export function SpawnPage() {
  const [profiles, setProfiles] = useState<Profile[]>();
  const [providers, setProviders] = useState<Provider[]>([]);
  const [profile, setProfile] = useState('');
  const [provider, setProvider] = useState('');
  const [workdir, setWorkdir] = useState(() => localStorage.getItem('cao.workdir') ?? '');
  const [sessionName, setSessionName] = useState('');
  const [yolo, setYolo] = useState(false);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    api
      .profiles()
      .then((p) => {
        setProfiles(p);
        setProfile((cur) => cur || p.find((x) => x.name === 'developer')?.name || p[0]?.name || '');
      })
      .catch((e: unknown) => setError(errorText(e)));
    api
      .providers()
      .then(setProviders)
      .catch(() => {});
  }, []);

  const chosen = profiles?.find((p) => p.name === profile);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!profile) return;
    setBusy(true);
    setError(undefined);
    try {
      const t = await api.createSession({
        agent_profile: profile,
        ...(provider ? { provider } : {}),
        ...(workdir.trim() ? { working_directory: workdir.trim() } : {}),
        ...(sessionName.trim() ? { session_name: sessionName.trim() } : {}),
        yolo,
      });
      if (workdir.trim()) localStorage.setItem('cao.workdir', workdir.trim());
      if (message.trim()) await api.sendMessage(t.id, message, 'queue');
      store.reload();
      navigate(href.terminal(t.id));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page">
      <header class="page-head">
        <div>
          <h2>New agent</h2>
          <p class="muted small-text">
            Starts a new session with this agent as its conductor, and waits until its CLI is ready.
          </p>
        </div>
      </header>
      <Panel title="Agent">
        <form class="form" onSubmit={(e) => void submit(e)} data-testid="spawn-form">
          <label>
            Profile
            <select
              name="profile"
              value={profile}
              onChange={(e) => setProfile((e.target as HTMLSelectElement).value)}
            >
              {(profiles ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.source})
                </option>
              ))}
            </select>
            {chosen?.description ? <span class="hint">{chosen.description}</span> : null}
          </label>
          <label>
            Provider
            <select
              name="provider"
              value={provider}
              onChange={(e) => setProvider((e.target as HTMLSelectElement).value)}
            >
              <option value="">
                {chosen?.provider ? `the profile’s (${chosen.provider})` : 'the server’s default'}
              </option>
              {providers.map((p) => (
                <option key={p.name} value={p.name} disabled={!p.installed}>
                  {p.label || p.name} ({p.name}){p.installed ? '' : ' — not installed'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Working directory
            <input
              name="working_directory"
              value={workdir}
              placeholder="/path/to/project (default: the server's home)"
              onInput={(e) => setWorkdir((e.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            <span>
              Session name <span class="muted">(optional)</span>
            </span>
            <input
              name="session_name"
              value={sessionName}
              placeholder="generated when empty; cao- is added"
              onInput={(e) => setSessionName((e.target as HTMLInputElement).value)}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={yolo}
              onChange={(e) => setYolo((e.target as HTMLInputElement).checked)}
            />{' '}
            Skip permission prompts (yolo)
          </label>
          <label>
            <span>
              First message <span class="muted">(optional)</span>
            </span>
            <textarea
              name="message"
              rows={3}
              value={message}
              onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)}
            />
          </label>
          <div class="button-row">
            <button type="submit" disabled={busy || !profile}>
              {busy ? 'Starting…' : 'Start agent'}
            </button>
            <a class="button secondary" href={href.overview}>
              Cancel
            </a>
          </div>
          <ErrorNote error={error} />
        </form>
      </Panel>
    </div>
  );
}
