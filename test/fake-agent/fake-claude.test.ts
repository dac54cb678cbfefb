/**
 * The fake Claude Code program (fake-claude.mjs, run as `claude` through bin/claude) in real
 * tmux on a private socket (never the user's server), read by the project's claude_code
 * detector exactly as cao reads a real Claude Code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCode } from '../../src/providers/claude-code.js';
import type { Detection } from '../../src/providers/provider.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'bin');
const SOCKET = `cao-fakeagent-test-${process.pid}`;

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tmux = (args: string[], input?: string, env?: NodeJS.ProcessEnv): string =>
  execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    input,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  get: () => T,
  ok: (v: T) => boolean,
  ms = 8000,
): Promise<T> {
  const end = Date.now() + ms;
  let last = get();
  while (!ok(last)) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1)}`);
    }
    await sleep(20);
    last = get();
  }
  return last;
}

interface Agent {
  pane: string;
  /** The program's argv. */
  argv: string[];
  /** CAO_TERMINAL_ID given to the program. */
  terminal: string;
  /** The program's process id (while it runs). */
  pid(): number;
  screen(): string;
  detect(): Detection;
  paste(text: string): void;
  keys(...keys: string[]): void;
  /** The exit status once the program has ended, else undefined. */
  exitStatus(): number | undefined;
  /** tmux says the pane's process has ended. */
  dead(): boolean;
}

describe.skipIf(!hasTmux)(
  `fake-claude in real tmux, read by the claude_code detector${hasTmux ? '' : ' (skipped: tmux is not installed; apt-get install tmux)'}`,
  () => {
    let dir: string;
    let windows = 0;
    let socketPath = '';

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cao-fakeagent-'));
      tmux(['new-session', '-d', '-s', 'fake', '-x', '120', '-y', '40', 'sleep', '3600']);
      tmux(['set-option', '-g', 'remain-on-exit', 'on']);
      tmux(['set-option', '-g', 'history-limit', '5000']);
      socketPath = tmux(['display-message', '-p', '#{socket_path}']).trim();
    });

    afterAll(() => {
      try {
        tmux(['kill-server']);
      } catch {
        // already gone
      }
      // tmux 3.3 leaves the socket file behind
      if (socketPath.endsWith(SOCKET)) rmSync(socketPath, { force: true });
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * Starts `claude` (found on PATH in bin/) with the given env and the argv cao's claude_code
     * provider builds, or the given argv, in a new window of the private tmux server.
     */
    function start(
      env: Record<string, string> = {},
      o: { yolo?: boolean; permissionMode?: string; argv?: string[] } = {},
    ): Agent {
      const n = ++windows;
      const spec = claudeCode.launch({
        terminalId: `term${n}`,
        profile: {
          name: 'dev',
          description: 'd',
          systemPrompt: 'You are a test.',
          ...(o.permissionMode ? { permissionMode: o.permissionMode } : {}),
        },
        yolo: o.yolo ?? false,
        allowedTools: ['fs_read'],
        model: 'sonnet',
        workingDirectory: dir,
        home: dir,
        tmpDir: dir,
        mcpServers: { 'cao-mcp-server': { command: 'cao-mcp-server', args: [], env: {} } },
        env: {},
        isRoot: false,
      });
      for (const f of spec.files ?? []) writeFileSync(f.path, f.content);
      const vars = {
        CAO_TERMINAL_ID: `term${n}`,
        FAKE_CLAUDE_TURN_MS: '100',
        ...env,
      };
      const argv = o.argv ?? spec.argv;
      const statusFile = join(dir, `term${n}.status`);
      const out = tmux(
        [
          'new-window',
          '-d',
          '-t',
          'fake:',
          '-c',
          dir,
          '-P',
          '-F',
          '#{pane_id} #{pane_pid}',
          ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
          // tmux 3.3 sometimes never learns the exit status of a pane's process (pane_dead
          // without pane_dead_status), so a shell around the program writes it to a file
          'sh',
          '-c',
          '"$@"; echo "$?" > "$0.tmp" && mv "$0.tmp" "$0"',
          statusFile,
          ...argv,
        ],
        undefined,
        // tmux gives the new pane the PATH of the client that asked for it (`-e PATH=` loses)
        { ...process.env, PATH: `${BIN}:${process.env['PATH'] ?? ''}` },
      ).trim();
      const [pane = '', shellPid = ''] = out.split(' ');
      const screen = (): string => tmux(['capture-pane', '-p', '-J', '-t', pane, '-S', '-200']);
      return {
        pane,
        argv,
        terminal: `term${n}`,
        // the program is the shell's only child
        pid: () => Number(readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8')),
        screen,
        detect: () => claudeCode.detect(screen()),
        paste(text) {
          tmux(['load-buffer', '-b', `b${n}`, '-'], text);
          tmux(['paste-buffer', '-p', '-d', '-b', `b${n}`, '-t', pane]);
        },
        keys: (...keys) => void tmux(['send-keys', '-t', pane, ...keys]),
        dead: () => tmux(['display-message', '-p', '-t', pane, '#{pane_dead}']).trim() === '1',
        exitStatus: () =>
          existsSync(statusFile) ? Number(readFileSync(statusFile, 'utf8').trim()) : undefined,
      };
    }

    const status = (a: Agent, want: Detection['status'], rule?: string): Promise<Detection> =>
      waitFor(
        `${want}${rule ? ` (${rule})` : ''}`,
        () => a.detect(),
        (d) => d.status === want && (rule === undefined || d.rule === rule),
      ).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\nscreen:\n${a.screen().trimEnd()}`);
      });

    const exited = (a: Agent): Promise<number | undefined> =>
      waitFor(
        'the program to exit',
        () => a.exitStatus(),
        (s) => s !== undefined,
      );

    const inputIs = (a: Agent, text: string): Promise<unknown> =>
      waitFor(
        `input box = ${JSON.stringify(text)}`,
        () => claudeCode.inputText(a.screen()),
        (t) => t === text,
      );

    const logLines = (
      file: string,
    ): { t: number; pid: number; terminal: string; message: string }[] =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map(
              (l) => JSON.parse(l) as { t: number; pid: number; terminal: string; message: string },
            )
        : [];

    /** Pastes a message, sees it in the box, presses Enter and sees it leave the box. */
    async function send(a: Agent, text: string): Promise<void> {
      a.paste(text);
      await inputIs(a, text);
      a.keys('Enter');
      await waitFor(
        'the box to empty',
        () => claudeCode.inputText(a.screen()),
        (t) => t !== text,
      );
    }

    it('starts idle with an empty prompt, with the flags cao passes', async () => {
      for (const yolo of [false, true]) {
        const a = start({}, { yolo });
        const d = await status(a, 'idle', 'empty-prompt');
        expect(d.evidence[0]).toMatch(/^❯/);
        expect(a.screen()).toContain('Claude Code v2.1.331');
        expect(claudeCode.inputText(a.screen())).toBe('');
        // the footer names the permission mode cao asked for
        const mode = a.argv.includes('--dangerously-skip-permissions')
          ? '⏵⏵ bypass permissions on (shift+tab to cycle)'
          : a.argv.includes('default')
            ? '⏸ manual mode on'
            : '';
        expect(a.screen()).toContain(`  ${mode} · ? for shortcuts`);
      }
      expect(execFileSync(join(BIN, 'claude'), ['--version'], { encoding: 'utf8' })).toBe(
        '2.1.331 (Claude Code)\n',
      );
    });

    it('takes a pasted message: processing, then completed with the ACK, logged once', async () => {
      const log = join(dir, 'turn.log');
      const a = start({ FAKE_CLAUDE_LOG: log, FAKE_CLAUDE_TURN_MS: '1000' });
      await status(a, 'idle');
      await send(a, 'hello fake claude');
      const busy = await status(a, 'processing');
      expect(['footer-esc-to-interrupt', 'spinner']).toContain(busy.rule);
      expect(a.screen()).toMatch(/^[·✢✳✶✻✽] Pondering…$/mu);
      await status(a, 'completed', 'completion-summary');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: hello fake claude');
      expect(a.screen()).toMatch(/^✻ Cooked for \d+s · done \d+:\d\d [AP]M$/mu);

      const long = 'a second message, longer than sixty characters, of which the ACK quotes 60';
      await send(a, long);
      await status(a, 'processing');
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe(`ACK: ${long.slice(0, 60)}`);
      const lines = logLines(log);
      expect(lines.map((l) => l.message)).toEqual(['hello fake claude', long]);
      expect(lines[0]).toMatchObject({ pid: a.pid(), terminal: a.terminal });
      expect(lines[0]!.t).toBeGreaterThan(Date.now() - 60_000);
    });

    it('keeps the newlines of a paste in the box and in the message', async () => {
      const log = join(dir, 'multi.log');
      const a = start({ FAKE_CLAUDE_LOG: log });
      await status(a, 'idle');
      await send(a, 'line one\nline two');
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: line one\nline two');
      expect(a.screen()).toMatch(/^❯ line one$/mu);
      expect(logLines(log).map((l) => l.message)).toEqual(['line one\nline two']);
    });

    it('leaves a message sent during a turn queued in the box', async () => {
      const log = join(dir, 'queue.log');
      const a = start({ FAKE_CLAUDE_LOG: log, FAKE_CLAUDE_TURN_MS: '1500' });
      await status(a, 'idle');
      await send(a, 'first');
      await status(a, 'processing');
      a.paste('second');
      await inputIs(a, 'second');
      a.keys('Enter');
      // the turn ended with text waiting in the box: idle (input pending), as for every CLI
      await status(a, 'idle');
      expect(claudeCode.detect(a.screen()).rule).toBe('input-pending');
      expect(claudeCode.inputText(a.screen())).toBe('second');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: first');
      expect(logLines(log)).toHaveLength(1);
      a.keys('Enter');
      await waitFor(
        'the box to empty',
        () => claudeCode.inputText(a.screen()),
        (t) => t === '',
      );
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: second');
      expect(logLines(log).map((l) => l.message)).toEqual(['first', 'second']);
    });

    it('answers from FAKE_CLAUDE_SCRIPT when a rule matches', async () => {
      const script = join(dir, 'script.json');
      writeFileSync(
        script,
        JSON.stringify([
          { match: 'weather', reply: 'Sunny today.\nWarm, too.', delayMs: 50 },
          { match: 'fail', reply: 'API Error: 500 scripted' },
        ]),
      );
      const a = start({ FAKE_CLAUDE_SCRIPT: script });
      await status(a, 'idle');
      await send(a, 'what is the weather?');
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('Sunny today.\nWarm, too.');
      await send(a, 'please fail');
      await status(a, 'error', 'api-error');
      await send(a, 'anything else');
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: anything else');
    });

    it('stops a turn on Escape', async () => {
      const a = start({ FAKE_CLAUDE_TURN_MS: '30000' });
      await status(a, 'idle');
      await send(a, 'a long task');
      await status(a, 'processing');
      a.keys('Escape');
      await status(a, 'idle', 'interrupted');
      expect(a.screen()).toContain('⎿  Interrupted · What should Claude do instead?');
    });

    it('shows the trust dialog first; cao answers it with its start-up keys', async () => {
      const a = start({ FAKE_CLAUDE_TRUST_DIALOG: '1' });
      await status(a, 'waiting_user_answer', 'trust-folder-dialog');
      const keys = claudeCode.startupKeys(a.screen());
      expect(keys).toEqual(['Down', 'Enter']);
      a.keys(...keys!);
      await status(a, 'idle', 'empty-prompt');
      expect(claudeCode.startupKeys(a.screen())).toBeUndefined();

      const b = start({ FAKE_CLAUDE_TRUST_DIALOG: '1' });
      await status(b, 'waiting_user_answer', 'trust-folder-dialog');
      b.keys('Enter');
      expect(await exited(b)).toBe(1);
    });

    it('warns about bypass mode unless --settings skips the warning', async () => {
      const a = start({}, { argv: ['claude', '--dangerously-skip-permissions'] });
      await status(a, 'waiting_user_answer', 'bypass-permissions-dialog');
      const keys = claudeCode.startupKeys(a.screen());
      expect(keys).toEqual(['Down', 'Enter']);
      a.keys(...keys!);
      await status(a, 'idle', 'empty-prompt');
      expect(a.screen()).toContain('⏵⏵ bypass permissions on');
    });

    it('exits with FAKE_CLAUDE_CRASH_ON_START', async () => {
      const a = start({ FAKE_CLAUDE_CRASH_ON_START: '3' });
      expect(await exited(a)).toBe(3);
      await waitFor(
        'the pane to die',
        () => a.dead(),
        (d) => d,
      );
      // tmux 3.3 does not always print its "Pane is dead (status 3, …)" banner (see start)
      expect(['pane-dead', 'no-input-box']).toContain(a.detect().rule);
    });

    it('asks for permission; yes answers, Escape and no reject', async () => {
      const log = join(dir, 'perm.log');
      const a = start({ FAKE_CLAUDE_PERMISSION_ON: 'run-tool', FAKE_CLAUDE_LOG: log });
      await status(a, 'idle');
      await send(a, 'please run-tool now');
      await status(a, 'waiting_user_answer', 'permission-prompt');
      expect(a.screen()).toContain(' Do you want to proceed?');
      a.keys(...claudeCode.answerKeys!(a.screen(), 'yes')!);
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: please run-tool now');

      await send(a, 'run-tool again');
      await status(a, 'waiting_user_answer', 'permission-prompt');
      a.keys('Escape');
      await status(a, 'idle', 'interrupted');

      await send(a, 'run-tool once more');
      await status(a, 'waiting_user_answer', 'permission-prompt');
      expect(claudeCode.answerKeys!(a.screen(), 'no')).toEqual(['Down', 'Down', 'Enter']);
      a.keys('3');
      await status(a, 'idle', 'interrupted');

      await send(a, 'no tool here');
      await status(a, 'completed');
      expect(claudeCode.lastMessage(a.screen())).toBe('ACK: no tool here');
      expect(logLines(log)).toHaveLength(4);
    });

    it('exits with status 0 on /exit and on Ctrl-C twice, printing the resume hint', async () => {
      const log = join(dir, 'exit.log');
      const a = start({ FAKE_CLAUDE_LOG: log });
      await status(a, 'idle');
      a.paste('/exit');
      await inputIs(a, '/exit');
      a.keys('Enter');
      expect(await exited(a)).toBe(0);
      expect(a.screen()).toMatch(/^Resume this session with:\nclaude --resume [0-9a-f-]{36}$/mu);
      expect(logLines(log)).toEqual([]);

      const b = start();
      await status(b, 'idle');
      b.keys('C-c');
      await waitFor(
        'the exit hint',
        () => b.screen(),
        (s) => s.includes('Press Ctrl-C again'),
      );
      b.keys('C-c');
      expect(await exited(b)).toBe(0);
      expect(b.screen()).toContain('Resume this session with:');
    });

    it('keeps the transcript in the scrollback as it grows, with one input box on screen', async () => {
      const a = start({ FAKE_CLAUDE_TURN_MS: '0' });
      await status(a, 'idle');
      for (let i = 1; i <= 9; i++) {
        await send(a, `message number ${i}`);
        await waitFor(
          `answer ${i}`,
          () => claudeCode.lastMessage(a.screen()),
          (m) => m === `ACK: message number ${i}`,
        );
      }
      const all = tmux(['capture-pane', '-p', '-J', '-t', a.pane, '-S', '-']);
      for (let i = 1; i <= 9; i++) {
        expect(all.match(new RegExp(`^❯ message number ${i}$`, 'gmu'))).toHaveLength(1);
      }
      expect(all.match(/^❯\u00a0/gmu)).toHaveLength(1);
      expect(all.match(/Claude Code v2\.1\.331/g)).toHaveLength(1);
    });

    it('does not wake up while idle; animates the spinner while busy', async () => {
      const a = start({ FAKE_CLAUDE_TURN_MS: '1200' });
      await status(a, 'idle');
      await sleep(300);
      // context switches of the main thread: every wake-up of the event loop counts one
      const switches = (): number => {
        const s = readFileSync(`/proc/${a.pid()}/task/${a.pid()}/status`, 'utf8');
        const n = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1]);
        return n('voluntary_ctxt_switches') + n('nonvoluntary_ctxt_switches');
      };
      const before = switches();
      await sleep(1000);
      expect(switches() - before).toBeLessThanOrEqual(2);

      await send(a, 'spin');
      const glyphs = new Set<string>();
      await waitFor(
        'several spinner frames',
        () => {
          const m = /^([·✢✳✶✻✽]) Pondering…$/mu.exec(a.screen());
          if (m) glyphs.add(m[1]!);
          return glyphs.size;
        },
        (n) => n >= 3,
      );
      await status(a, 'completed');
    });
  },
);
