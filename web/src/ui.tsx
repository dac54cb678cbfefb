/** Small shared pieces: status and delivery badges, times, labels. */
import type { ComponentChildren } from 'preact';
import type { DeliveryState, Status, Terminal } from './api';

/**
 * A terminal's status, in the server's own words: the ones `cao session status` prints, the API
 * returns and the docs explain (idle, processing, completed, waiting_user_answer, error,
 * unknown). The dashboard has no words of its own for them.
 */
export function StatusBadge({ status }: { status: Status }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      {status}
    </span>
  );
}

export function StateBadge({ state }: { state: DeliveryState }) {
  return (
    <span class={`badge state-${state}`} data-state={state}>
      {state}
    </span>
  );
}

export function terminalLabel(t: Terminal): string {
  return t.agent_profile ?? t.name;
}

export function timeAgo(iso: string | null | undefined): string {
  if (!iso) return '';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toLocaleDateString();
}

export function Panel(props: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  testid?: string;
}) {
  return (
    <section class={`panel ${props.class ?? ''}`} data-testid={props.testid}>
      <header class="panel-head">
        <h3>{props.title}</h3>
        {props.actions ? <div class="panel-actions">{props.actions}</div> : null}
      </header>
      <div class="panel-body">{props.children}</div>
    </section>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error-note" role="alert">
      {error}
    </p>
  ) : null;
}
