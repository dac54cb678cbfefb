/**
 * Live state: sessions and their terminals (GET /sessions, GET /sessions/{name}) kept current
 * by the event stream (GET /events). A status event updates one terminal in place; terminals
 * or sessions coming and going reload the list; message.state events are kept per message so
 * open inbox views update without asking; terminal.usage events keep each agent's tokens and
 * cost. After a reconnect everything is reloaded.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type DeliveryState, type Session, type Status, type Usage } from './api';

export interface MessageUpdate {
  state: DeliveryState;
  error: string | null;
}

export interface State {
  /** The event stream is open. */
  live: boolean;
  loaded: boolean;
  sessions: Session[];
  /** Latest delivery state seen per message id (from message.state events). */
  messages: ReadonlyMap<number, MessageUpdate>;
  /** Bumped on every message.state event and inbox change. */
  messageTick: number;
  /** Bumped when a terminal's status changes (views refresh what depends on it). */
  statusTick: number;
  /** Tokens and cost per terminal id (loaded with the sessions, then terminal.usage events). */
  usage: Readonly<Record<string, Usage>>;
  error: string | undefined;
}

type Listener = () => void;

class Store {
  state: State = {
    live: false,
    loaded: false,
    sessions: [],
    messages: new Map(),
    messageTick: 0,
    statusTick: 0,
    usage: {},
    error: undefined,
  };
  private readonly listeners = new Set<Listener>();
  private source: EventSource | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private loading = false;
  private reloadAgain = false;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(patch: Partial<State>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  start(): void {
    if (this.source) return;
    const es = new EventSource('/events');
    this.source = es;
    es.addEventListener('hello', () => {
      this.set({ live: true });
      this.reload();
    });
    es.addEventListener('error', () => this.set({ live: false }));
    es.addEventListener('terminal.status', (e) => {
      const ev = JSON.parse((e as MessageEvent<string>).data) as {
        terminal_id: string;
        status: Status;
        question?: { text: string; options: string[] };
      };
      let found = false;
      const sessions = this.state.sessions.map((s) => ({
        ...s,
        terminals: s.terminals.map((t) => {
          if (t.id !== ev.terminal_id) return t;
          found = true;
          return { ...t, status: ev.status, question: ev.question ?? null };
        }),
      }));
      if (found) this.set({ sessions, statusTick: this.state.statusTick + 1 });
      else this.reload();
    });
    for (const type of [
      'terminal.created',
      'terminal.deleted',
      'session.created',
      'session.deleted',
    ]) {
      es.addEventListener(type, () => this.reload());
    }
    es.addEventListener('terminal.usage', (e) => {
      const ev = JSON.parse((e as MessageEvent<string>).data) as Usage & { terminal_id: string };
      this.set({ usage: { ...this.state.usage, [ev.terminal_id]: ev } });
    });
    es.addEventListener('message.state', (e) => {
      const ev = JSON.parse((e as MessageEvent<string>).data) as {
        message_id: number;
        state: DeliveryState;
        error?: string | null;
      };
      const messages = new Map(this.state.messages);
      messages.set(ev.message_id, { state: ev.state, error: ev.error ?? null });
      this.set({ messages, messageTick: this.state.messageTick + 1 });
    });
  }

  /** Reloads the sessions soon (bursts of events cause one reload). */
  reload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.load(), 50);
  }

  async load(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return;
    }
    this.loading = true;
    try {
      const list = await api.sessions();
      const sessions = await Promise.all(
        list.map((s) => api.session(s.name).catch(() => undefined)),
      );
      const usage: Record<string, Usage> = {};
      for (const u of await Promise.all(
        list.map((s) => api.sessionUsage(s.name).catch(() => undefined)),
      ))
        for (const t of u?.terminals ?? []) usage[t.terminal_id] = t;
      this.set({
        loaded: true,
        error: undefined,
        sessions: sessions.filter((s): s is Session => s !== undefined),
        usage,
      });
    } catch (e) {
      this.set({ loaded: true, error: errorText(e) });
    } finally {
      this.loading = false;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.load();
      }
    }
  }

  bumpMessages(): void {
    this.set({ messageTick: this.state.messageTick + 1 });
  }
}

export const store = new Store();

export function useStore(): State {
  const [state, setState] = useState(store.state);
  useEffect(() => store.subscribe(() => setState(store.state)), []);
  return state;
}
