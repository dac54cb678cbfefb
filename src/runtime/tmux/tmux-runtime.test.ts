/**
 * The tmux runtime against real tmux on a private socket (never the user's server).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import type { RuntimeEvent } from '../runtime.js';
import { TmuxRuntime } from './tmux-runtime.js';

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

const waitFor = async (pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
};

describe.skipIf(!hasTmux)('TmuxRuntime on a private tmux socket', () => {
  const socket = `cao-test-rt-${process.pid}`;
  let dir: string;
  let rt: TmuxRuntime;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cao-rt-'));
    rt = new TmuxRuntime({
      socket: { name: socket },
      tmpDir: dir,
      log: silentLogger,
      configFile: '/dev/null',
    });
  });

  afterAll(async () => {
    await rt.close();
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs argv without a shell, with the given env and cwd, and removes the launch file', async () => {
    const script = join(dir, 'show.sh');
    writeFileSync(script, 'printf "[%s]" "$@"; echo; echo "V=$SECRET_V"; pwd; sleep 30\n');
    const ref = await rt.createSession({
      session: 'cao-rt1',
      windowName: 'w-0001',
      terminalId: 'aaaaaaaa',
      cwd: dir,
      argv: ['bash', script, 'a b', '$HOME;', '"q"', "it's"],
      env: { SECRET_V: 'x y;z' },
    });
    expect(ref.paneId).toMatch(/^%\d+$/);
    await waitFor(async () => (await rt.capture(ref.paneId)).includes('V='));
    const screen = await rt.capture(ref.paneId);
    expect(screen).toContain(`[a b][$HOME;]["q"][it's]`);
    expect(screen).toContain('V=x y;z');
    expect(screen).toContain(dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.launch'))).toEqual([]);
    const panes = await rt.listPanes('cao-rt1');
    expect(panes[0]).toMatchObject({ terminalId: 'aaaaaaaa', windowName: 'w-0001', dead: false });
  });

  it('reports output and pane death as events, and keeps the dead pane readable', async () => {
    const ref = await rt.createWindow({
      session: 'cao-rt1',
      windowName: 'w-0002',
      terminalId: 'bbbbbbbb',
      cwd: dir,
      argv: ['bash', '-c', 'read -r line; echo "got:$line"; sleep 0.3; exit 3'],
      env: {},
    });
    const events: RuntimeEvent[] = [];
    const stop = rt.watch('cao-rt1', (e) => events.push(e));
    await rt.paste(ref.paneId, 'hello\x1b[201~ there');
    await rt.sendKeys(ref.paneId, ['Enter']);
    await waitFor(() => events.some((e) => e.type === 'output' && e.paneId === ref.paneId));
    await waitFor(
      () => events.some((e) => e.type === 'pane-dead' && e.paneId === ref.paneId),
      4000,
    );
    const screen = await rt.capture(ref.paneId);
    // the ESC byte was stripped, so the bracketed paste could not be ended early
    expect(screen).toContain('got:hello[201~ there');
    // tmux marks the pane dead when the pty closes and records the status when it reaps the
    // process, a moment later (on a loaded machine it sometimes never does)
    await waitFor(
      async () => (await rt.paneState(ref.paneId))?.deadStatus !== undefined,
      2000,
    ).catch(() => {});
    const state = await rt.paneState(ref.paneId);
    expect(state, JSON.stringify(state)).toMatchObject({ dead: true, terminalId: 'bbbbbbbb' });
    expect([3, undefined]).toContain(state?.deadStatus);
    stop();
  });

  it('lists sessions and kills them', async () => {
    expect((await rt.listSessions()).map((s) => s.name)).toContain('cao-rt1');
    expect(await rt.hasSession('cao-rt1')).toBe(true);
    expect(await rt.hasSession('cao-rt')).toBe(false);
    await rt.killSession('cao-rt1');
    expect(await rt.hasSession('cao-rt1')).toBe(false);
  });
});
