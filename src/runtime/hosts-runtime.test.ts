/**
 * The runtime over several hosts, with a fake runtime per host: ids carry the host, calls go
 * to the host that has the pane, a session spans hosts, and a host whose link drops is down,
 * not gone.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../lib/log.js';
import { FakeRuntime, type FakeProgram } from './fake-runtime.js';
import { HostsRuntime, type HostLink } from './hosts-runtime.js';
import { isHostUnreachable, type RuntimeEvent, type WindowSpec } from './runtime.js';

const program: FakeProgram = { start: (p) => p.show('ready> ') };

function remote(): HostLink & { rt: FakeRuntime; setUp(up: boolean): void } {
  const rt = new FakeRuntime(() => program);
  let up = true;
  const listeners = new Set<(up: boolean, reason: string) => void>();
  return {
    rt,
    runtime: rt,
    isUp: () => up,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => rt.close(),
    setUp(next) {
      up = next;
      for (const l of listeners) l(next, next ? 'up' : 'Timeout, server not responding.');
    },
  };
}

const spec = (over: Partial<WindowSpec>): WindowSpec => ({
  session: 'cao-s',
  windowName: 'w',
  terminalId: 'aaaa0001',
  cwd: '/w',
  argv: ['agent'],
  env: {},
  ...over,
});

async function setup(giveUpMs = 0) {
  const local = new FakeRuntime(() => program);
  const rt = new HostsRuntime(local, silentLogger, giveUpMs);
  const b1 = remote();
  rt.addHost('b1', b1);
  return { local, rt, b1 };
}

describe('HostsRuntime', () => {
  it("a remote host's ids carry its name; calls go to the host that has the pane", async () => {
    const { rt, b1 } = await setup();
    const here = await rt.createSession(spec({}));
    const there = await rt.createWindow(spec({ host: 'b1', terminalId: 'aaaa0002' }));
    expect(here).toMatchObject({ host: 'local', paneId: '%0' });
    expect(there).toMatchObject({ host: 'b1', paneId: 'b1/%0', windowId: 'b1/@0' });
    // the session's first window on b1 made the session there
    expect(await b1.rt.hasSession('cao-s')).toBe(true);
    await rt.paste(there.paneId, 'hello');
    expect(b1.rt.paneOf('aaaa0002').pasted).toEqual(['hello']);
    expect(await rt.capture(there.paneId)).toContain('ready>');
    const panes = await rt.listPanes('cao-s');
    expect(panes.map((p) => p.paneId).sort()).toEqual(['%0', 'b1/%0']);
  });

  it('watching a session hears every host it spans, with their ids', async () => {
    const { rt, b1 } = await setup();
    await rt.createSession(spec({}));
    const events: RuntimeEvent[] = [];
    rt.watch('cao-s', (e) => events.push(e));
    await rt.createWindow(spec({ host: 'b1', terminalId: 'aaaa0002' }));
    b1.rt.paneOf('aaaa0002').show('working');
    expect(events).toContainEqual({ type: 'output', paneId: 'b1/%0' });
  });

  it('a host whose link drops is down: reads fail as unreachable, listeners hear it, the session lives on', async () => {
    const { rt, b1 } = await setup();
    await rt.createSession(spec({ host: 'b1' }));
    const events: RuntimeEvent[] = [];
    rt.watch('cao-s', (e) => events.push(e));
    b1.setUp(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'host-down', host: 'b1' }));
    const failed = await rt.capture('b1/%0').catch((e: unknown) => e);
    expect(isHostUnreachable(failed)).toBe(true);
    expect(await rt.hasSession('cao-s')).toBe(true);
    expect(rt.unreachableHosts()).toEqual(['b1']);
    // shut down meanwhile: done once the host is back
    await rt.killSession('cao-s');
    expect(await b1.rt.hasSession('cao-s')).toBe(true);
    b1.setUp(true);
    await expect.poll(() => b1.rt.hasSession('cao-s')).toBe(false);
    expect(events).toContainEqual({ type: 'host-up', host: 'b1' });
  });

  it('a watch that ends as its link drops (before the link is known down) is not the session ending', async () => {
    const { rt, b1 } = await setup();
    await rt.createSession(spec({ host: 'b1' }));
    const events: RuntimeEvent[] = [];
    rt.watch('cao-s', (e) => events.push(e));
    // the control client exits first; the host cannot be asked any more
    const asked = vi.spyOn(b1.rt, 'hasSession').mockImplementationOnce(async () => {
      b1.setUp(false);
      throw new Error('ssh: connect to host b1 port 22: Connection refused');
    });
    b1.rt.endWatch('cao-s', 'tmux exited (255)');
    await expect.poll(() => asked.mock.calls.length).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.type)).not.toContain('session-closed');
    expect(await rt.hasSession('cao-s')).toBe(true);
    // back up: watched again, and its output is heard
    b1.setUp(true);
    await expect
      .poll(() => {
        b1.rt.paneOf('aaaa0001').show('working');
        return events.some((e) => e.type === 'output' && e.paneId === 'b1/%0');
      })
      .toBe(true);
  });

  it('a watch that ends while the host says the session runs is attached again', async () => {
    const { rt, b1 } = await setup();
    await rt.createSession(spec({ host: 'b1' }));
    const events: RuntimeEvent[] = [];
    rt.watch('cao-s', (e) => events.push(e));
    b1.rt.endWatch('cao-s', 'killed by someone');
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.type)).not.toContain('session-closed');
    b1.rt.paneOf('aaaa0001').show('working');
    expect(events).toContainEqual({ type: 'output', paneId: 'b1/%0' });
    // a session that really ended is heard as such
    await b1.rt.killSession('cao-s');
    await expect.poll(() => events.map((e) => e.type)).toContain('session-closed');
  });

  it('a session known only from the store, on a host that is down, is kept and not watched', async () => {
    const { rt, b1 } = await setup();
    b1.setUp(false);
    rt.placeSession('cao-x', 'b1');
    expect(await rt.hasSession('cao-x')).toBe(true);
    const events: RuntimeEvent[] = [];
    rt.watch('cao-x', (e) => events.push(e));
    expect(events).toEqual([]);
  });

  it('a host down past the give-up time is gone: its listeners hear why, and so do later ones', async () => {
    vi.useFakeTimers();
    try {
      const { rt, b1 } = await setup(60_000);
      await rt.createSession(spec({ host: 'b1' }));
      const events: RuntimeEvent[] = [];
      rt.watch('cao-s', (e) => events.push(e));
      b1.setUp(false);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(events.map((e) => e.type)).toEqual(['host-down']);
      await vi.advanceTimersByTimeAsync(1_000);
      const gone = events.find((e) => e.type === 'host-gone');
      expect(gone).toMatchObject({ host: 'b1' });
      expect(gone && 'reason' in gone ? gone.reason : '').toMatch(
        /^host b1 has been unreachable for 60 s \(give-up time 60 s, CAO_HOST_GIVE_UP\): Timeout, server not responding\.$/,
      );
      expect(rt.goneReason('b1')).toBeDefined();
      // a tracker that starts watching later (an adoption) hears it too
      const later: RuntimeEvent[] = [];
      rt.watch('cao-s', (e) => later.push(e));
      await vi.advanceTimersByTimeAsync(0);
      expect(later).toContainEqual(expect.objectContaining({ type: 'host-gone', host: 'b1' }));
      // back after all: no longer gone
      b1.setUp(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(rt.goneReason('b1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a host back within the give-up time is not gone', async () => {
    vi.useFakeTimers();
    try {
      const { rt, b1 } = await setup(60_000);
      await rt.createSession(spec({ host: 'b1' }));
      const events: RuntimeEvent[] = [];
      rt.watch('cao-s', (e) => events.push(e));
      b1.setUp(false);
      await vi.advanceTimersByTimeAsync(30_000);
      b1.setUp(true);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(events.map((e) => e.type)).not.toContain('host-gone');
    } finally {
      vi.useRealTimers();
    }
  });

  it('an unknown host is an error that says how to add it', async () => {
    const { rt } = await setup();
    await expect(rt.createSession(spec({ host: 'nope' }))).rejects.toThrow(/cao host add nope/);
  });
});
