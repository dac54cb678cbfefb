/** Inbox messages with their delivery states, live from message.state events. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Message, type Terminal } from './api';
import { href } from './router';
import { useStore } from './store';
import { ErrorNote, Panel, StateBadge, terminalLabel, timeAgo } from './ui';

export function InboxTable({ messages, compact }: { messages: Message[]; compact?: boolean }) {
  const state = useStore();
  const terminals = new Map<string, Terminal>();
  for (const s of state.sessions) for (const t of s.terminals) terminals.set(t.id, t);
  const who = (id: string) => {
    const t = terminals.get(id);
    return t ? (
      <a href={href.terminal(id)}>
        {terminalLabel(t)} <span class="mono muted">{id}</span>
      </a>
    ) : (
      <span class="mono">{id}</span>
    );
  };
  if (messages.length === 0) return <p class="muted">No messages.</p>;
  return (
    <table class={`messages ${compact ? 'compact' : ''}`} data-testid="messages">
      <thead>
        <tr>
          <th>#</th>
          <th>From</th>
          {compact ? null : <th>To</th>}
          <th>Message</th>
          <th>State</th>
          {compact ? null : <th>Attempts</th>}
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => {
          const live = state.messages.get(m.id);
          const status = live?.state ?? m.status;
          const error = live?.error ?? m.error;
          return (
            <tr key={m.id} data-message-id={m.id}>
              <td class="mono">{m.id}</td>
              <td>{who(m.sender_id)}</td>
              {compact ? null : <td>{who(m.receiver_id)}</td>}
              <td title={m.message}>
                <div class="message-text">{m.message}</div>
                {error ? <div class="error-note small-text">{error}</div> : null}
              </td>
              <td>
                <StateBadge state={status} />
              </td>
              {compact ? null : <td>{m.attempts}</td>}
              <td class="muted small-text" title={m.created_at}>
                {timeAgo(m.delivered_at ?? m.created_at)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function InboxPage() {
  const state = useStore();
  const [messages, setMessages] = useState<Message[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stale = false;
    api
      .allMessages()
      .then((m) => !stale && setMessages(m))
      .catch((e: unknown) => !stale && setError(errorText(e)));
    return () => {
      stale = true;
    };
  }, [state.messageTick]);
  return (
    <div class="page">
      <header class="page-head">
        <div>
          <h2>Inbox</h2>
          <p class="muted small-text">
            Every message between agents (and from this dashboard), newest first, with its delivery
            state: pending → submitting → delivered, or failed.
          </p>
        </div>
      </header>
      <Panel title={`Messages${messages ? ` (${messages.length})` : ''}`}>
        {messages ? <InboxTable messages={messages} /> : <p class="muted">Loading…</p>}
        <ErrorNote error={error} />
      </Panel>
    </div>
  );
}
