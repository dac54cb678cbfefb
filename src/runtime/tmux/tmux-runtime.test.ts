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
import { viewStream } from '../../../test/support/terminal-view.js';
import { sizeSequence } from '../pane-stream.js';
import { LocalTmuxHost } from './tmux-host.js';
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

describe.skipIf(!hasTmux)(
  `TmuxRuntime on a private tmux socket${hasTmux ? '' : ' (skipped: tmux is not installed; apt-get install tmux)'}`,
  () => {
    const socket = `cao-test-rt-${process.pid}`;
    let dir: string;
    let rt: TmuxRuntime;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cao-rt-'));
      rt = new TmuxRuntime({
        host: new LocalTmuxHost({ socket: { name: socket }, tmpDir: dir, configFile: '/dev/null' }),
        log: silentLogger,
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
      writeFileSync(
        script,
        'printf "[%s]" "$@"; echo; echo "V=$SECRET_V"; pwd; printf "\\033[31mred\\033[0m\\n"; sleep 30\n',
      );
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
      // colours only in a styled capture
      await waitFor(async () => (await rt.capture(ref.paneId)).includes('red'));
      expect(await rt.capture(ref.paneId)).not.toContain('\x1b');
      expect(await rt.capture(ref.paneId, { styled: true })).toContain('\x1b[31mred');
      expect(readdirSync(dir).filter((f) => f.endsWith('.launch'))).toEqual([]);
      const panes = await rt.listPanes('cao-rt1');
      expect(panes[0]).toMatchObject({ terminalId: 'aaaaaaaa', windowName: 'w-0001', dead: false });
    });

    it('carries window labels through tmux unchanged, whatever characters they hold', async () => {
      const labels = {
        home: '/x/cao home',
        cwd: '/tmp/a;b\tc \'d\' "e" $HOME #{pane_id} ;',
        profile: 'developer',
      };
      const ref = await rt.createSession({
        session: 'cao-rtlabels',
        windowName: 'w-0002',
        terminalId: 'abababab',
        cwd: dir,
        argv: ['sleep', '30'],
        env: {},
        labels,
      });
      const pane = (await rt.listPanes('cao-rtlabels')).find((p) => p.paneId === ref.paneId);
      expect(pane?.labels).toEqual(labels);
      expect(pane?.terminalId).toBe('abababab');
      // a window from before labels, or someone else's, has none
      expect((await rt.listPanes('cao-rt1'))[0]?.labels).toBeUndefined();
      await rt.killSession('cao-rtlabels');
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

    it('streams a pane to a viewer: snapshot, live bytes, typed input, resize, end', async () => {
      const ref = await rt.createWindow({
        session: 'cao-rt1',
        windowName: 'w-0003',
        terminalId: 'cccccccc',
        cwd: dir,
        argv: ['bash', '-c', 'printf "h\\303\\251llo \\342\\224\\200 world\\n"; exec cat'],
        env: {},
      });
      await rt.resizePane(ref.paneId, 60, 10);
      await waitFor(async () => (await rt.capture(ref.paneId)).includes('héllo'));
      const chunks: Buffer[] = [];
      let ended = '';
      const stop = await rt.streamPane(ref.paneId, {
        data: (c) => chunks.push(Buffer.from(c)),
        end: (reason) => (ended = reason),
      });
      // the snapshot: the pane's size first, then the screen as tmux has it
      expect(chunks[0]?.toString('utf8').startsWith(sizeSequence(60, 10))).toBe(true);
      let v = await viewStream(chunks);
      expect([v.cols, v.rows]).toEqual([60, 10]);
      expect(v.lines[0]).toBe('héllo ─ world');
      // typed bytes (UTF-8 included) reach the program; its echo comes back as live bytes
      await rt.writePane(ref.paneId, Buffer.from('typed ✓ text\r', 'utf8'));
      await waitFor(
        async () =>
          (await viewStream(chunks)).lines.filter((l) => l === 'typed ✓ text').length === 2,
      );
      v = await viewStream(chunks);
      const screen = (await rt.capture(ref.paneId)).split('\n').map((l) => l.trimEnd());
      expect(v.lines).toEqual(screen);
      // a resize: the window takes the size and the viewer gets a new snapshot at it
      await rt.resizePane(ref.paneId, 40, 8);
      await waitFor(() => chunks.some((c) => c.toString('utf8').startsWith(sizeSequence(40, 8))));
      v = await viewStream(chunks);
      expect([v.cols, v.rows]).toEqual([40, 8]);
      expect(v.lines).toContain('typed ✓ text');
      // long multi-byte output (under the tty's 4095-byte line) arrives in many notifications,
      // cut anywhere: nothing is lost
      await rt.writePane(ref.paneId, Buffer.from(`${'─✓'.repeat(600)}\r`, 'utf8'));
      await waitFor(async () => (await viewStream(chunks)).lines.at(-2)?.endsWith('─✓') === true);
      const all = await viewStream(chunks);
      expect([...all.scrollback, ...all.lines].join('')).not.toContain('\ufffd');
      expect(all.lines.slice(0, -1).every((l) => /^(?:─✓)+$/.test(l))).toBe(true);
      // a second viewer gets its own snapshot of the same screen
      const other: Buffer[] = [];
      const stopOther = await rt.streamPane(ref.paneId, {
        data: (c) => other.push(Buffer.from(c)),
        end: () => {},
      });
      expect((await viewStream(other)).lines).toEqual((await viewStream(chunks)).lines);
      stopOther();
      await rt.killWindow(ref.paneId);
      await waitFor(() => ended !== '');
      expect(ended).toMatch(/window closed/);
      stop();
    });

    it('never leaves a window resized: its size comes back when the viewers leave, the runtime closes, or a new one attaches after a crash', async () => {
      const tmux = (...args: string[]): string =>
        execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).trim();
      const ref = await rt.createSession({
        session: 'cao-rt-size',
        windowName: 'w-size',
        terminalId: 'eeeeeeee',
        cwd: dir,
        argv: ['sleep', '60'],
        env: {},
        cols: 132,
        rows: 43,
      });
      const stopWatch = rt.watch(ref.session, () => {});
      // the size, and whether the window has a size rule of its own (resize-window sets one)
      const state = (): string =>
        `${tmux('display-message', '-p', '-t', ref.paneId, '#{window_width}x#{window_height},#{@cao_own_size}')}|${tmux('show-options', '-w', '-t', ref.windowId)}`;
      const before = state();
      expect(before).toMatch(/^132x43,\|/);
      const view = () => rt.streamPane(ref.paneId, { data: () => {}, end: () => {} });

      // two viewers: the first one leaving keeps their shared size, the last one puts it back
      const a = await view();
      const b = await view();
      await rt.resizePane(ref.paneId, 70, 15);
      await rt.resizePane(ref.paneId, 90, 20);
      expect(state()).toMatch(/^90x20,132x43\|/);
      a();
      await new Promise((r) => setTimeout(r, 100));
      expect(state()).toMatch(/^90x20,/);
      b();
      await waitFor(() => state() === before);

      // a viewer that leaves while its resize is under way
      const c = await view();
      const resizing = rt.resizePane(ref.paneId, 50, 12);
      c();
      await resizing;
      await waitFor(() => state() === before);

      // a runtime that closes (cao-server stops) with a viewer still there
      const other = new TmuxRuntime({
        host: new LocalTmuxHost({ socket: { name: socket }, tmpDir: dir, configFile: '/dev/null' }),
        log: silentLogger,
      });
      const stopOther = other.watch(ref.session, () => {});
      await other.streamPane(ref.paneId, { data: () => {}, end: () => {} });
      await other.resizePane(ref.paneId, 60, 10);
      expect(state()).toMatch(/^60x10,/);
      await other.close();
      stopOther();
      expect(state()).toBe(before);

      // what a crashed server leaves behind (its control client died with it): the next one
      // that attaches to the session puts the window back
      stopWatch();
      await waitFor(() => !tmux('list-clients', '-F', '#{client_session}').includes(ref.session));
      tmux('set-option', '-w', '-t', ref.windowId, '@cao_own_size', '132x43');
      tmux('resize-window', '-t', ref.windowId, '-x', '40', '-y', '9');
      expect(state()).toMatch(/^40x9,132x43\|/);
      const again = rt.watch(ref.session, () => {});
      await waitFor(() => state() === before);
      again();
      await rt.killSession(ref.session);
    });

    it('streams a full-screen program on the alternate screen, the normal screen under it', async () => {
      const ref = await rt.createWindow({
        session: 'cao-rt1',
        windowName: 'w-0004',
        terminalId: 'dddddddd',
        cwd: dir,
        argv: [
          'bash',
          '-c',
          'printf "normal text\\n"; printf "\\033[?1049h\\033[H\\033[7mfull\\033[0m screen\\033[3;5H"; read -r x; printf "\\033[?1049l"; exec sleep 30',
        ],
        env: {},
      });
      await rt.resizePane(ref.paneId, 40, 6);
      await waitFor(async () => (await rt.capture(ref.paneId)).includes('full screen'));
      const chunks: Buffer[] = [];
      const stop = await rt.streamPane(ref.paneId, {
        data: (c) => chunks.push(Buffer.from(c)),
        end: () => {},
      });
      let v = await viewStream(chunks);
      expect(v.alt).toBe(true);
      expect(v.lines[0]).toBe('full screen');
      expect([v.x, v.y]).toEqual([4, 2]);
      // the program leaves the alternate screen: the viewer is back on the normal one
      await rt.writePane(ref.paneId, Buffer.from('\r'));
      await waitFor(async () => !(await viewStream(chunks)).alt);
      v = await viewStream(chunks);
      expect(v.lines[0]).toBe('normal text');
      // with the cursor where it was when the program switched
      expect([v.x, v.y]).toEqual([0, 1]);
      stop();
      await rt.killWindow(ref.paneId);
    });

    it('creates sessions concurrently, each watched at once (tmux 3.3a crashes if they race)', async () => {
      for (let round = 0; round < 3; round++) {
        const names = Array.from({ length: 6 }, (_, i) => `cao-rc${round}x${i}`);
        const stops = await Promise.all(
          names.map(async (session, i) => {
            const ref = await rt.createSession({
              session,
              windowName: 'w',
              terminalId: `c${round}${i}`.padEnd(8, '0'),
              cwd: dir,
              argv: ['sleep', '30'],
              env: {},
            });
            return rt.watch(ref.session, () => {});
          }),
        );
        const live = (await rt.listSessions()).map((x) => x.name);
        expect(live).toEqual(expect.arrayContaining([...names, 'cao-rt1']));
        stops.forEach((stop) => stop());
        for (const n of names) await rt.killSession(n);
      }
    });

    it('lists sessions and kills them', async () => {
      expect((await rt.listSessions()).map((s) => s.name)).toContain('cao-rt1');
      // cao's own control client is attached (tmux counts it) but is not a person's terminal
      const stop = rt.watch('cao-rt1', () => {});
      await waitFor(() =>
        execFileSync('tmux', ['-L', socket, 'list-clients', '-F', '#{client_control_mode}'], {
          encoding: 'utf8',
        }).includes('1'),
      );
      const mine = async () => (await rt.listSessions()).find((s) => s.name === 'cao-rt1');
      expect(await mine()).toMatchObject({ attached: false });
      stop();
      expect(await rt.hasSession('cao-rt1')).toBe(true);
      expect(await rt.hasSession('cao-rt')).toBe(false);
      await rt.killSession('cao-rt1');
      expect(await rt.hasSession('cao-rt1')).toBe(false);
    });

    it('probes the tmux server for real: up with its sessions, then down once it is killed', async () => {
      const other = `cao-test-probe-${process.pid}`;
      const probeRt = new TmuxRuntime({
        host: new LocalTmuxHost({ socket: { name: other }, tmpDir: dir, configFile: '/dev/null' }),
        log: silentLogger,
      });
      try {
        expect((await probeRt.probe()).state).toBe('down');
        const ref = await probeRt.createSession({
          session: 'cao-probe',
          windowName: 'w',
          terminalId: 'dddddddd',
          cwd: dir,
          argv: ['sleep', '30'],
          env: {},
        });
        // a control client attached, as cao-server has for every session
        const stop = probeRt.watch(ref.session, () => {});
        const up = await probeRt.probe();
        expect(up).toMatchObject({ state: 'up', server: `tmux -L ${other}` });
        expect(up.sessions.map((x) => x.name)).toEqual(['cao-probe']);
        execFileSync('tmux', ['-L', other, 'kill-server'], { stdio: 'ignore' });
        const down = await probeRt.probe();
        expect(down.state).toBe('down');
        expect(down.sessions).toEqual([]);
        stop();
      } finally {
        await probeRt.close();
        try {
          execFileSync('tmux', ['-L', other, 'kill-server'], { stdio: 'ignore' });
        } catch {
          // already gone
        }
        // a killed tmux server leaves its socket file behind
        const tmuxDir = join(
          process.env['TMUX_TMPDIR'] ?? '/tmp',
          `tmux-${process.getuid?.() ?? 0}`,
        );
        rmSync(join(tmuxDir, other), { force: true });
      }
    });
  },
);
