/**
 * One terminal: its live screen, and around it what steers it: the permission prompt (when the
 * agent waits for an answer), sending a message (typed in now, or queued in its inbox), the
 * agent's last answer, its inbox with delivery states, and why cao thinks it has its status.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Detection, type Message, type Session, type Terminal } from './api';
import { InboxTable } from './inbox';
import { shortPath } from './paths';
import { promptOptions } from './prompt';
import { navigate, href } from './router';
import { store, useStore } from './store';
import { TerminalScreen } from './terminal-screen';
import { ErrorNote, Panel, StatusBadge, terminalLabel } from './ui';

export function TerminalPage({ id }: { id: string }) {
  const state = useStore();
  const session = state.sessions.find((s) => s.terminals.some((t) => t.id === id));
  const terminal = session?.terminals.find((t) => t.id === id);
  const [fit, setFit] = useState(() => localStorage.getItem('cao.fit') !== 'off');
  useEffect(() => localStorage.setItem('cao.fit', fit ? 'on' : 'off'), [fit]);

  if (!terminal || !session) {
    return (
      <div class="page">
        <p class="muted">
          {state.loaded ? `Terminal ${id} is not running.` : 'Loading…'}{' '}
          <a href={href.overview}>Back to sessions</a>
        </p>
      </div>
    );
  }
  return (
    <div class="page terminal-page">
      <TerminalHeader terminal={terminal} session={session} fit={fit} setFit={setFit} />
      <div class="terminal-layout">
        <TerminalScreen id={id} fit={fit} />
        <aside class="side">
          {terminal.status === 'waiting_user_answer' ? <AnswerPanel terminal={terminal} /> : null}
          <SendPanel terminal={terminal} />
          <LastAnswerPanel terminal={terminal} />
          <TerminalInbox terminal={terminal} />
          <DetectPanel terminal={terminal} />
        </aside>
      </div>
    </div>
  );
}

function TerminalHeader(props: {
  terminal: Terminal;
  session: Session;
  fit: boolean;
  setFit: (v: boolean) => void;
}) {
  const { terminal: t, session } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const shutdown = async (): Promise<void> => {
    if (!confirm(`Shut down ${session.session.name} and every agent in it?`)) return;
    setBusy(true);
    try {
      await api.deleteSession(session.session.name);
      store.reload();
      navigate(href.overview);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <header class="page-head">
      <div>
        <h2>
          {terminalLabel(t)} <span class="mono muted">{t.id}</span>{' '}
          <StatusBadge status={t.status} />
        </h2>
        <p class="muted small-text">
          {t.provider} · host{' '}
          <a class="mono" href={href.hosts} data-testid="terminal-host">
            {t.host}
          </a>{' '}
          · session <span class="mono">{t.session_name}</span> · window{' '}
          <span class="mono">{t.name}</span>
          {t.working_directory ? (
            <>
              {' '}
              ·{' '}
              <span class="mono">
                {t.host === 'local' ? shortPath(t.working_directory) : t.working_directory}
              </span>
            </>
          ) : null}
        </p>
        <ErrorNote error={error} />
      </div>
      <div class="head-actions">
        <label
          class="check"
          title="Resize the agent's window to fit this panel while you view it (it gets its own size back when you leave)"
        >
          <input
            type="checkbox"
            checked={props.fit}
            onChange={(e) => props.setFit((e.target as HTMLInputElement).checked)}
          />{' '}
          fit window
        </label>
        <button class="danger" disabled={busy} onClick={() => void shutdown()}>
          Shut down session
        </button>
      </div>
    </header>
  );
}

function AnswerPanel({ terminal }: { terminal: Terminal }) {
  const [detection, setDetection] = useState<Detection>();
  const [screen, setScreen] = useState('');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    api
      .detect(terminal.id)
      .then(setDetection)
      .catch((e: unknown) => setError(errorText(e)));
    api
      .fullOutput(terminal.id)
      .then((r) => setScreen(r.output))
      .catch(() => {});
  }, [terminal.id]);
  const answer = async (a: string): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await api.answer(terminal.id, a);
      setText('');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  // the question as the server read it; else the options read off the screen
  const question = terminal.question;
  const options =
    question && question.options.length > 0
      ? question.options.map((label, i) => ({ key: String(i + 1), label }))
      : promptOptions(screen || (detection?.evidence ?? []).join('\n'));
  return (
    <Panel title="The agent is asking" class="attention" testid="answer-panel">
      {question?.text ? (
        <p class="question" data-testid="question">
          {question.text}
        </p>
      ) : null}
      {detection ? <pre class="evidence">{detection.evidence.join('\n')}</pre> : <p>…</p>}
      <div class="button-row">
        {options.length > 0
          ? options.map((o) => (
              <button key={o.key} disabled={busy} onClick={() => void answer(o.key)}>
                {o.key}. {o.label}
              </button>
            ))
          : ['yes', 'no'].map((a) => (
              <button key={a} disabled={busy} onClick={() => void answer(a)}>
                {a}
              </button>
            ))}
      </div>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void answer(text);
        }}
      >
        <input
          value={text}
          placeholder="Other answer"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button disabled={busy || !text.trim()}>Answer</button>
      </form>
      <ErrorNote error={error} />
    </Panel>
  );
}

function SendPanel({ terminal }: { terminal: Terminal }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState<'input' | 'inbox'>();
  const [note, setNote] = useState<string>();
  const [error, setError] = useState<string>();
  const send = async (how: 'input' | 'inbox'): Promise<void> => {
    if (!text.trim()) return;
    setBusy(how);
    setError(undefined);
    setNote(undefined);
    try {
      if (how === 'input') {
        await api.sendMessage(terminal.id, text);
        setNote('Sent.');
      } else {
        const r = await api.sendToInbox(terminal.id, text);
        setNote(`Queued as message ${r.message_id}.`);
        store.bumpMessages();
      }
      setText('');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <Panel title="Send a message" testid="send-panel">
      <textarea
        rows={3}
        value={text}
        placeholder={`Message to ${terminalLabel(terminal)}`}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send('input');
        }}
      />
      <div class="button-row">
        <button
          disabled={!!busy || !text.trim()}
          onClick={() => void send('input')}
          title="Type it into the agent now and press Enter (Ctrl+Enter)"
        >
          {busy === 'input' ? 'Sending…' : 'Send now'}
        </button>
        <button
          class="secondary"
          disabled={!!busy || !text.trim()}
          onClick={() => void send('inbox')}
          title="Queue it; cao delivers it when the agent is ready"
        >
          {busy === 'inbox' ? 'Queueing…' : 'Send to inbox'}
        </button>
      </div>
      {note ? <p class="muted small-text">{note}</p> : null}
      <ErrorNote error={error} />
    </Panel>
  );
}

function LastAnswerPanel({ terminal }: { terminal: Terminal }) {
  const [output, setOutput] = useState<string>();
  const [error, setError] = useState<string>();
  const [n, setN] = useState(0);
  const settled = terminal.status === 'completed' || terminal.status === 'idle';
  useEffect(() => {
    let stale = false;
    api
      .lastOutput(terminal.id)
      .then((r) => {
        if (stale) return;
        setOutput(r.found ? r.output : '');
        setError(undefined);
      })
      .catch((e: unknown) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [terminal.id, settled, terminal.status === 'completed', n]);
  return (
    <Panel
      title="Last answer"
      testid="last-answer"
      actions={
        <button class="small secondary" onClick={() => setN((x) => x + 1)}>
          Refresh
        </button>
      }
    >
      {output ? (
        <pre class="answer">{output}</pre>
      ) : (
        <p class="muted">{output === undefined ? 'Loading…' : 'No answer yet.'}</p>
      )}
      <ErrorNote error={error} />
    </Panel>
  );
}

function TerminalInbox({ terminal }: { terminal: Terminal }) {
  const state = useStore();
  const [messages, setMessages] = useState<Message[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stale = false;
    api
      .inbox(terminal.id)
      .then((m) => !stale && setMessages(m))
      .catch((e: unknown) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [terminal.id, state.messageTick]);
  return (
    <Panel title="Inbox" testid="terminal-inbox">
      {messages ? <InboxTable messages={messages} compact /> : <p class="muted">Loading…</p>}
      <ErrorNote error={error} />
    </Panel>
  );
}

function DetectPanel({ terminal }: { terminal: Terminal }) {
  const [d, setD] = useState<Detection>();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    api
      .detect(terminal.id)
      .then(setD)
      .catch(() => {});
  }, [terminal.id, terminal.status, open]);
  return (
    <Panel
      title="Why this status"
      actions={
        <button class="small secondary" onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show'}
        </button>
      }
    >
      {open && d ? (
        <>
          <p class="small-text">
            rule <span class="mono">{d.rule}</span>
          </p>
          <pre class="evidence">{d.evidence.join('\n') || '(no evidence lines)'}</pre>
        </>
      ) : (
        <p class="muted small-text">The detector’s rule and the screen lines it matched.</p>
      )}
    </Panel>
  );
}
