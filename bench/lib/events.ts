/**
 * A subscriber to cao-server's `GET /events` (Server-Sent Events) that keeps every event with
 * the server's own `at` stamp (epoch ms) and the moment this process received it.
 */
import { ownerToken } from '../../test/e2e/harness.js';

export interface BenchEvent {
  type: string;
  seq: number;
  /** The server's publication time (epoch ms, from the event's `at`). */
  at: number;
  /** When this process read it (epoch ms). */
  receivedAt: number;
  terminal_id?: string;
  session?: string;
  status?: string;
  previous?: string;
  rule?: string;
  message_id?: number;
  sender_id?: string;
  receiver_id?: string;
  state?: string;
  provider?: string;
  /** host.state: the host's name. */
  host?: string;
  agent_profile?: string | null;
}

interface Waiter {
  pred: (e: BenchEvent) => boolean;
  resolve: (e: BenchEvent) => void;
}

export class EventLog {
  readonly events: BenchEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly abort = new AbortController();
  private ended = false;

  private constructor() {}

  /** Connects and resolves once the server's `hello` arrived (no event is missed after). */
  static async open(s: { apiUrl: string; caoHome: string }, types?: string[]): Promise<EventLog> {
    const log = new EventLog();
    const q = types ? `?types=${encodeURIComponent(types.join(','))}` : '';
    const token = ownerToken(s.caoHome);
    const res = await fetch(`${s.apiUrl}/events${q}`, {
      headers: {
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal: log.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`GET /events failed: HTTP ${res.status}`);
    let ready: () => void = () => {};
    const hello = new Promise<void>((r) => (ready = r));
    void log.pump(res.body, ready);
    await hello;
    return log;
  }

  private async pump(body: ReadableStream<Uint8Array>, ready: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        const receivedAt = Date.now();
        buffer += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (event === 'hello') {
            ready();
            continue;
          }
          if (data.length === 0) continue;
          const raw = JSON.parse(data.join('\n')) as Omit<BenchEvent, 'at' | 'receivedAt'> & {
            at: string;
          };
          this.add({ ...raw, at: Date.parse(raw.at), receivedAt });
        }
      }
    } catch {
      // closed by us, or the server went away
    } finally {
      this.ended = true;
    }
  }

  private add(e: BenchEvent): void {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  /** The first event at index `from` or later (received already or to come) matching `pred`. */
  waitFor(
    pred: (e: BenchEvent) => boolean,
    timeoutMs: number,
    what = 'event',
    from = 0,
  ): Promise<BenchEvent> {
    const hit = this.events.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w: Waiter = { pred, resolve };
      this.waiters.add(w);
      setTimeout(() => {
        if (this.waiters.delete(w))
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs).unref();
    });
  }

  /** Events from index `from` on (to wait only for what happens after a point). */
  since(from: number): BenchEvent[] {
    return this.events.slice(from);
  }

  get closed(): boolean {
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }
}

export const READY = new Set(['idle', 'completed']);
