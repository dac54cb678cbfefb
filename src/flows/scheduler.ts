/**
 * The flow scheduler: one timer, set for the earliest `next_run` among enabled flows (no
 * polling loop). When it fires, every flow that is due gets its next `next_run` first (so it can
 * never fire twice for one slot) and is then run in the background; the timer is set again.
 *
 * Missed runs: flows only run while cao-server is up. On start, a flow whose `next_run` is in
 * the past (the server was down, or the machine slept, at that time) runs once, as a
 * `catch-up`, however many slots it missed; its next run is then computed from now. The same
 * holds when a timer fires late.
 *
 * Time comes from an injected clock and timer, so tests drive it without waiting.
 */
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Clock } from '../lib/time.js';
import type { FlowTrigger } from '../store/store.js';
import { nextRunAfter } from './cron.js';

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** setTimeout's limit (about 24.8 days); a later wake-up is reached in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the scheduler needs to know about a flow. */
export interface ScheduledFlow {
  name: string;
  schedule: string;
  enabled: boolean;
  /** Epoch ms; undefined when not computed yet. */
  nextRun: number | undefined;
}

/** Enabled flows whose next run has come. Pure. */
export function dueFlows(flows: readonly ScheduledFlow[], now: number): ScheduledFlow[] {
  return flows.filter((f) => f.enabled && f.nextRun !== undefined && f.nextRun <= now);
}

/** When the timer should next fire (epoch ms), or undefined when nothing is scheduled. Pure. */
export function nextWake(flows: readonly ScheduledFlow[]): number | undefined {
  let at: number | undefined;
  for (const f of flows) {
    if (f.enabled && f.nextRun !== undefined && (at === undefined || f.nextRun < at))
      at = f.nextRun;
  }
  return at;
}

/** The timer delay for a wake-up at `at`. Pure. */
export const timerDelay = (at: number, now: number): number =>
  Math.min(Math.max(0, at - now), MAX_TIMER_MS);

export interface SchedulerOptions {
  clock: Clock;
  timer: Timer;
  log: Logger;
  /** The flows as stored. */
  load(): Promise<ScheduledFlow[]>;
  /** Stores a flow's next run (epoch ms, or undefined when its schedule never matches again). */
  setNextRun(name: string, at: number | undefined): Promise<void>;
  /** Runs a flow; the scheduler does not wait for it. Failures are the runner's to record. */
  run(name: string, trigger: FlowTrigger): Promise<unknown>;
}

export class FlowScheduler {
  private handle: unknown;
  private wakeAt: number | undefined;
  private stopped = true;
  /** Passes (start, tick, reschedule) run one at a time. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: SchedulerOptions) {}

  /** Computes missing next runs, runs overdue flows once (catch-up), and sets the timer. */
  start(): Promise<void> {
    this.stopped = false;
    return this.pass('catch-up');
  }

  /** After flows were added, removed, enabled or disabled: set the timer again. */
  reschedule(): Promise<void> {
    return this.pass(undefined);
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** When the timer will fire next (epoch ms), for status displays and tests. */
  get nextWakeAt(): number | undefined {
    return this.wakeAt;
  }

  private pass(dueTrigger: FlowTrigger | undefined): Promise<void> {
    const next = this.chain.then(() => this.runPass(dueTrigger));
    this.chain = next.catch((e: unknown) =>
      this.o.log.error('flow scheduler pass failed', { error: errorMessage(e) }),
    );
    return this.chain;
  }

  private async runPass(dueTrigger: FlowTrigger | undefined): Promise<void> {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const flows = await this.o.load();
    for (const f of flows) {
      if (!f.enabled) continue;
      const due = f.nextRun !== undefined && f.nextRun <= now;
      if (f.nextRun === undefined || (due && dueTrigger !== undefined)) {
        f.nextRun = nextRunAfter(f.schedule, now);
        await this.o.setNextRun(f.name, f.nextRun);
        if (due && dueTrigger !== undefined) {
          this.o.log.info('flow due', { flow: f.name, trigger: dueTrigger });
          void this.o
            .run(f.name, dueTrigger)
            .catch((e: unknown) =>
              this.o.log.error('flow run failed', { flow: f.name, error: errorMessage(e) }),
            );
        }
      }
    }
    this.arm(nextWake(flows), now);
  }

  private arm(at: number | undefined, now: number): void {
    this.clearTimer();
    this.wakeAt = at;
    if (at === undefined || this.stopped) return;
    this.handle = this.o.timer.set(
      () => {
        this.handle = undefined;
        void this.pass('schedule');
      },
      timerDelay(at, now),
    );
  }

  private clearTimer(): void {
    if (this.handle !== undefined) this.o.timer.clear(this.handle);
    this.handle = undefined;
  }
}
