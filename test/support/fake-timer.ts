/**
 * A clock and a one-shot timer that tests move by hand, for code that takes a `Clock` and a
 * `Timer` (the flow scheduler): nothing waits for real time.
 */
import type { Timer } from '../../src/flows/scheduler.js';
import type { Clock } from '../../src/lib/time.js';

export class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

interface Pending {
  id: number;
  fn: () => void;
  at: number;
}

export class FakeTimer implements Timer {
  private pending: Pending[] = [];
  private ids = 0;
  /** Every delay ever asked for, in order. */
  readonly delays: number[] = [];

  constructor(private readonly clock: FakeClock) {}

  set(fn: () => void, ms: number): unknown {
    const p = { id: ++this.ids, fn, at: this.clock.ms + ms };
    this.pending.push(p);
    this.delays.push(ms);
    return p.id;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** When the earliest pending timer fires (epoch ms), if any. */
  get next(): number | undefined {
    return this.pending.reduce<number | undefined>(
      (m, p) => (m === undefined || p.at < m ? p.at : m),
      undefined,
    );
  }

  get count(): number {
    return this.pending.length;
  }

  /** Fires the earliest pending timer without moving the clock (a timer that fires early). */
  fireEarly(): void {
    const first = [...this.pending].sort((a, b) => a.at - b.at)[0];
    if (!first) return;
    this.clear(first.id);
    first.fn();
  }

  /** Moves the clock to `ms` and fires the timers due by then (earliest first). */
  advanceTo(ms: number): void {
    this.clock.ms = ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= ms).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.clear(due.id);
      due.fn();
    }
  }
}
