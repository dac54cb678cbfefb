/**
 * Screens that used to fool the detectors, on every real agent CLI against the fake model:
 * a finished reply that quotes the CLIs' own busy, error and permission wording, and finished
 * replies of 120 and 400 lines (the user's message scrolls out of the captured region), at the
 * two pane sizes cao uses (220x50, and 100x40 after a resize). Each must read `completed`, and
 * the last answer must be the whole reply or say plainly that it was cut.
 *
 * `CAO_E2E_CAPTURE_DIR=dir` also writes every screen checked here to dir/<provider>/ (plain
 * text, `capture-pane -p -J`), to be kept as detector fixtures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../fake-model/script.js';
import { CLI_SETUPS } from './cli-setups.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();
const ONLY = process.env['CAO_E2E_CLIS']?.split(',').filter(Boolean);
const CAPTURE_DIR = process.env['CAO_E2E_CAPTURE_DIR'];

/**
 * A reply that quotes every CLI's busy, error and permission wording, each line a paragraph of
 * its own (so markdown keeps it at the start of a line).
 */
export const QUOTED_REPLY = [
  'Here is what the terminal shows, quoted:',
  '⠋ Thinking… (esc to interrupt)',
  '🌒 · Tip: press esc to interrupt',
  '✻ Pondering… (3s · esc to interrupt)',
  '• Working (5s • esc to interrupt)',
  '⠼ Working (esc to cancel, 2s)',
  'Error: [provider.api_error] 400 bad request',
  'API Error: 500 internal error',
  '✗ Request failed',
  '▶ Run this command?',
  'Do you want to run this command?',
  'Allow execution of: rm?',
  '△ Permission required',
  'Interrupted by user',
  'QUOTED-END',
].join('\n\n');

/** A reply of `n` lines, one list item each (markdown keeps them apart), ending in a marker. */
export const longReply = (n: number): string =>
  [
    ...Array.from({ length: n - 1 }, (_, i) => `- long reply line ${i + 1} of ${n}`),
    `LONG-${n}-END`,
  ].join('\n');

const SCRIPT: Script = {
  turns: [
    { match: 'QUOTE-MARKERS', reply: QUOTED_REPLY },
    { match: 'LONG-120', reply: longReply(120) },
    { match: 'LONG-400', reply: longReply(400) },
  ],
};

interface Detect {
  status: string;
  rule: string;
  evidence: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reply text without list markers, indentation and blank lines (CLIs draw those their way). */
const norm = (t: string): string[] =>
  t
    .split('\n')
    .map((l) => l.replace(/^[\s\-•*◦·]*(?=\S)/u, '').trim())
    .filter((l) => l !== '');

/** What a CLI's screen cannot give back of a reply (see SCREEN_LIMITS). */
interface ScreenLimits {
  /** The reply is drawn as Markdown: `[x]` may show as the link text `x`. */
  unbracket?: boolean;
  /** No scrollback: with the user's message off the screen, a whole reply may be said cut. */
  cutMayKeepAll?: boolean;
}

/**
 * OpenCode draws a reply as Markdown (after a resize `[provider.api_error]` shows as the link
 * text, brackets gone), and its alternate screen keeps no history: once the user's message is
 * off the screen it cannot tell whether the reply's first line still is, so it says cut.
 */
const SCREEN_LIMITS: Record<string, ScreenLimits> = {
  opencode: { unbracket: true, cutMayKeepAll: true },
};

/** The last answer is the whole reply, or starts by saying it was cut and ends as the reply. */
function expectWholeOrCut(out: string, reply: string, limits: ScreenLimits = {}): void {
  const seen = (t: string): string[] =>
    norm(limits.unbracket ? t.replace(/\[([^\]\n]+)\](?!\()/g, '$1') : t);
  const want = seen(reply);
  if (out.startsWith('[cut:')) {
    const kept = seen(out.slice(out.indexOf('\n') + 1));
    expect(kept.length).toBeGreaterThan(0);
    if (limits.cutMayKeepAll) expect(kept.length).toBeLessThanOrEqual(want.length);
    else expect(kept.length).toBeLessThan(want.length);
    expect(kept).toEqual(want.slice(-kept.length));
  } else {
    expect(seen(out)).toEqual(want);
  }
}

const CASES: { size: string; message: string; reply: string; end: RegExp }[] = [
  { size: '220x50', message: 'please QUOTE-MARKERS', reply: QUOTED_REPLY, end: /QUOTED-END/ },
  { size: '220x50', message: 'please LONG-120', reply: longReply(120), end: /LONG-120-END/ },
  { size: '220x50', message: 'please LONG-400', reply: longReply(400), end: /LONG-400-END/ },
  { size: '100x40', message: 'please LONG-120', reply: longReply(120), end: /LONG-120-END/ },
  { size: '100x40', message: 'please LONG-400', reply: longReply(400), end: /LONG-400-END/ },
  { size: '100x40', message: 'please QUOTE-MARKERS', reply: QUOTED_REPLY, end: /QUOTED-END/ },
];

for (const setup of CLI_SETUPS.filter((c) => !ONLY || ONLY.includes(c.cli))) {
  const why = skipReason;
  describe.skipIf(why !== '')(
    e2eTitle(`${setup.cli}: quoted markers and long replies read completed`, why),
    () => {
      let s: Stack;
      let id = '';
      let pane = '';
      let size = '220x50';

      beforeAll(async () => {
        s = await startStack({
          clis: [setup.cli],
          script: SCRIPT,
          envFromModel: setup.env,
          prepare: setup.files,
        });
        const r = await s.cao(
          [
            'launch',
            '--agents',
            'developer',
            '--headless',
            '--yolo',
            '--session-name',
            'st',
            '--working-directory',
            s.work,
            '--provider',
            setup.provider,
          ],
          { timeoutMs: 240_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        id = /id ([a-f0-9]{8})/.exec(r.stdout)![1]!;
        pane = s.tmux(['list-panes', '-s', '-t', 'cao-st', '-F', '#{pane_id}']).trim();
      }, 600_000);

      afterAll(async () => {
        await s?.stop();
      });

      for (const [i, c] of CASES.entries()) {
        it(`${c.message} at ${c.size}`, async () => {
          expect(id).not.toBe('');
          if (c.size !== size) {
            const [x, y] = c.size.split('x');
            s.tmux(['resize-window', '-t', pane, '-x', x!, '-y', y!]);
            size = c.size;
            await sleep(1500);
          }
          const sent = await s.api('POST', `/terminals/${id}/input`, { message: c.message });
          expect(sent.status).toBe(200);
          // the reply's last line is on the screen: the turn is over
          const end = Date.now() + 90_000;
          while (!c.end.test(s.tmux(['capture-pane', '-p', '-J', '-t', pane]))) {
            if (Date.now() > end) throw new Error(`${c.end} never showed`);
            await sleep(200);
          }
          // let the CLI draw its end-of-turn frame, then ask until the status settles
          let d: Detect = { status: '', rule: '', evidence: [] };
          for (let t = 0; t < 40; t++) {
            await sleep(250);
            d = (await s.api<Detect>('GET', `/terminals/${id}/detect`)).body;
            if (d.status === 'completed') break;
          }
          if (CAPTURE_DIR) {
            const dir = join(CAPTURE_DIR, setup.provider);
            mkdirSync(dir, { recursive: true });
            const name = `${i}-${c.message.split(' ')[1]!.toLowerCase()}-${c.size}-${d.status}.txt`;
            const screen = s.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', pane]);
            writeFileSync(join(dir, name), screen.replace(/[ \t]+$/gm, ''));
            const styled = s.tmux(['capture-pane', '-p', '-J', '-e', '-S', '-200', '-t', pane]);
            writeFileSync(join(dir, name.replace(/\.txt$/, '.ansi')), styled);
          }
          // on a failure, the screen it was read from says why
          const why =
            d.status === 'completed'
              ? ''
              : `\n--- the screen ---\n${s.tmux(['capture-pane', '-p', '-J', '-t', pane])}`;
          expect(d, `${JSON.stringify(d)}${why}`).toMatchObject({ status: 'completed' });
          const out = (await s.api<{ output: string }>('GET', `/terminals/${id}/output?mode=last`))
            .body.output;
          expectWholeOrCut(out, c.reply, SCREEN_LIMITS[setup.cli]);
        }, 180_000);
      }
    },
  );
}
