/**
 * The scheduler's timing with an injected clock and timer: nothing waits for real time.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeTimer } from '../../test/support/fake-timer.js';
import { silentLogger } from '../lib/log.js';
import type { FlowTrigger } from '../store/store.js';
import {
  FlowScheduler,
  MAX_TIMER_MS,
  dueFlows,
  nextWake,
  timerDelay,
  type ScheduledFlow,
} from './scheduler.js';

const MIN = 60_000;
const T0 = new Date(2026, 0, 1, 12, 0, 30).getTime(); // 12:00:30 local
const minute = (m: number): number => new Date(2026, 0, 1, 12, m, 0).getTime();

function setup(flows: ScheduledFlow[]) {
  const clock = new FakeClock(T0);
  const timer = new FakeTimer(clock);
  const runs: { name: string; trigger: FlowTrigger; at: number }[] = [];
  const scheduler = new FlowScheduler({
    clock,
    timer,
    log: silentLogger,
    load: () => Promise.resolve(flows.map((f) => ({ ...f }))),
    setNextRun: (name, at) => {
      const f = flows.find((x) => x.name === name);
      if (f) f.nextRun = at;
      return Promise.resolve();
    },
    run: (name, trigger) => {
      runs.push({ name, trigger, at: clock.now() });
      return Promise.resolve();
    },
  });
  /** Fires what is due at `ms` and waits for the scheduler's pass to finish. */
  const advance = async (ms: number): Promise<void> => {
    timer.advanceTo(ms);
    await scheduler.reschedule();
  };
  return { clock, timer, runs, scheduler, flows, advance };
}

const flow = (name: string, schedule: string, nextRun?: number, enabled = true): ScheduledFlow => ({
  name,
  schedule,
  enabled,
  nextRun,
});

describe('pure helpers', () => {
  it('due flows are enabled ones whose next run has come', () => {
    const flows = [
      flow('a', '* * * * *', 100),
      flow('b', '* * * * *', 200),
      flow('c', '* * * * *', 50, false),
      flow('d', '* * * * *'),
    ];
    expect(dueFlows(flows, 150).map((f) => f.name)).toEqual(['a']);
    expect(nextWake(flows)).toBe(100);
    expect(nextWake([flow('c', '* * * * *', 50, false)])).toBeUndefined();
  });

  it('timer delays are never negative and never beyond setTimeout’s limit', () => {
    expect(timerDelay(1000, 400)).toBe(600);
    expect(timerDelay(400, 1000)).toBe(0);
    expect(timerDelay(1e15, 0)).toBe(MAX_TIMER_MS);
  });
});

describe('FlowScheduler', () => {
  it('computes a new flow’s next run and sets one timer for it', async () => {
    const { scheduler, timer, flows, runs } = setup([flow('a', '* * * * *')]);
    await scheduler.start();
    expect(flows[0]?.nextRun).toBe(minute(1));
    expect(timer.count).toBe(1);
    expect(timer.delays).toEqual([30_000]);
    expect(runs).toEqual([]);
  });

  it('fires at the slot, runs the flow once, and sets the timer for the next slot', async () => {
    const { scheduler, timer, flows, runs, advance } = setup([flow('a', '* * * * *')]);
    await scheduler.start();
    await advance(minute(1) - 1);
    expect(runs).toEqual([]);
    await advance(minute(1));
    expect(runs).toEqual([{ name: 'a', trigger: 'schedule', at: minute(1) }]);
    expect(flows[0]?.nextRun).toBe(minute(2));
    expect(timer.count).toBe(1);
    expect(timer.next).toBe(minute(2));
    await advance(minute(2));
    await advance(minute(3));
    expect(runs.map((r) => r.at)).toEqual([minute(1), minute(2), minute(3)]);
  });

  it('wakes for the earliest of several flows and runs only the due ones', async () => {
    const { scheduler, timer, runs, advance } = setup([
      flow('hourly', '0 * * * *'),
      flow('five', '*/5 * * * *'),
      flow('off', '* * * * *', undefined, false),
    ]);
    await scheduler.start();
    expect(timer.next).toBe(minute(5));
    await advance(minute(5));
    expect(runs.map((r) => r.name)).toEqual(['five']);
    expect(timer.next).toBe(minute(10));
    await advance(new Date(2026, 0, 1, 13, 0, 0).getTime());
    // the timer fired late (at 13:00, having missed 12:10…12:55): each flow runs once
    expect(runs.map((r) => r.name)).toEqual(['five', 'hourly', 'five']);
  });

  it('catch-up: a flow overdue at start runs once however many slots it missed', async () => {
    const overdue = T0 - 3 * 24 * 60 * MIN; // three days of missed minutes
    const { scheduler, flows, runs, timer } = setup([
      flow('missed', '* * * * *', overdue),
      flow('future', '0 13 * * *', minute(59)),
      flow('disabled', '* * * * *', overdue, false),
    ]);
    await scheduler.start();
    expect(runs).toEqual([{ name: 'missed', trigger: 'catch-up', at: T0 }]);
    expect(flows[0]?.nextRun).toBe(minute(1)); // computed from now, not from the missed slot
    expect(flows[1]?.nextRun).toBe(minute(59));
    expect(timer.next).toBe(minute(1));
  });

  it('a timer that fires early runs nothing and waits again', async () => {
    const { scheduler, timer, runs } = setup([flow('a', '* * * * *')]);
    await scheduler.start();
    timer.fireEarly();
    await scheduler.reschedule();
    expect(runs).toEqual([]);
    expect(timer.count).toBe(1);
    expect(timer.next).toBe(minute(1));
  });

  it('a wake-up beyond setTimeout’s limit is reached in steps', async () => {
    const { scheduler, timer, runs, clock, advance } = setup([flow('yearly', '0 0 1 1 *')]);
    await scheduler.start();
    expect(timer.delays).toEqual([MAX_TIMER_MS]);
    await advance(clock.now() + MAX_TIMER_MS);
    expect(runs).toEqual([]);
    expect(timer.count).toBe(1);
  });

  it('reschedule picks up changes; stop clears the timer; nothing to run means no timer', async () => {
    const { scheduler, timer, flows } = setup([]);
    await scheduler.start();
    expect(timer.count).toBe(0);
    flows.push(flow('a', '*/10 * * * *'));
    await scheduler.reschedule();
    expect(timer.next).toBe(minute(10));
    flows[0]!.enabled = false;
    await scheduler.reschedule();
    expect(timer.count).toBe(0);
    flows[0]!.enabled = true;
    await scheduler.reschedule();
    expect(timer.count).toBe(1);
    scheduler.stop();
    expect(timer.count).toBe(0);
    await scheduler.reschedule();
    expect(timer.count).toBe(0);
  });
});
