/**
 * The in-process event bus. Everything users can watch live (`GET /events`, the dashboard,
 * `cao session send` waiting for an answer) is published here first.
 */
import type { Status } from '../providers/provider.js';
import type { UsageTotals } from './usage.js';

export type CaoEvent =
  | {
      type: 'terminal.status';
      terminal_id: string;
      session: string;
      status: Status;
      previous: Status;
      rule: string;
      evidence: string[];
      /** With waiting_user_answer: the question and its options, when the screen shows them. */
      question?: { text: string; options: string[] };
    }
  | {
      type: 'terminal.created';
      terminal_id: string;
      session: string;
      agent_profile: string | null;
      provider: string;
      /** The machine it runs on: 'local', or a remote host's name. */
      host: string;
    }
  | { type: 'terminal.deleted'; terminal_id: string; session: string }
  | { type: 'terminal.mcp_ready'; terminal_id: string; session: string }
  | { type: 'terminal.ready'; terminal_id: string; session: string }
  | {
      /** A conversation turn ended (core/turns.ts); ask `GET /terminals/{id}/turns/{turn}`. */
      type: 'turn.ended';
      terminal_id: string;
      session: string;
      turn_id: number;
      outcome: string;
      status: Status | null;
      rule: string | null;
    }
  | {
      /** A remote host's link went down (its agents live on there) or came back up. */
      type: 'host.state';
      host: string;
      state: 'up' | 'down';
      reason: string;
    }
  | ({
      /** A terminal's usage totals changed (read from its CLI's session log: core/usage-watch.ts). */
      type: 'terminal.usage';
      terminal_id: string;
      session: string;
    } & UsageTotals)
  | { type: 'session.created'; session: string }
  | { type: 'session.deleted'; session: string }
  | {
      type: 'message.state';
      message_id: number;
      sender_id: string;
      receiver_id: string;
      state: string;
      error?: string | null;
    }
  | {
      /** A flow ran (or was skipped, or failed): see src/flows/flow-runner.ts. */
      type: 'flow.run';
      flow: string;
      trigger: 'schedule' | 'catch-up' | 'manual';
      outcome: 'executed' | 'skipped-busy' | 'skipped-by-script' | 'failed';
      reason: string | null;
      session: string | null;
      terminal_id: string | null;
      message_id: number | null;
    };

export type Stamped<E> = E & { seq: number; at: string };
export type StampedEvent = Stamped<CaoEvent>;
export type EventListener = (event: StampedEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private seq = 0;

  publish(event: CaoEvent): StampedEvent {
    const stamped = { ...event, seq: ++this.seq, at: new Date().toISOString() };
    for (const l of this.listeners) {
      try {
        l(stamped);
      } catch {
        // a listener's failure must not stop the others (SSE clients come and go)
      }
    }
    return stamped;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
