#!/usr/bin/env node
/**
 * fake-claude: a small, dependency-free, scripted stand-in for the Claude Code 2.1.331 terminal
 * UI, run as a real program in a real tty (tests and benchmarks put test/fake-agent/bin first on
 * PATH, so cao launches it as `claude`). It draws what cao's claude_code detector reads: a header,
 * a transcript (`❯ message`, `● answer`, `✻ Cooked for 1s · done 9:12 PM`), the spinner while a
 * turn runs, the input box between two rules and the mode footer.
 *
 * Drawing: inline (no alternate screen). The screen is a frame of exactly `rows` rows, redrawn
 * row by row with cursor positioning and erase-line only (never erase-display: tmux moves the
 * visible screen into its scrollback on a clear). Transcript rows that no longer fit are pushed
 * into the terminal's scrollback by writing the frame from the top so the terminal scrolls, so
 * the scrollback holds the transcript and never a stale input box.
 *
 * Like the real CLI, `--dangerously-skip-permissions` shows the bypass-mode warning first unless
 * `--settings` sets skipDangerousModePermissionPrompt (cao passes that setting).
 *
 * Idle cost: when nothing runs there are no timers at all; only the spinner (every 100 ms) and
 * the turn timer run while a turn is busy.
 *
 * Environment (all optional):
 *   FAKE_CLAUDE_TURN_MS          how long a turn takes (default 300)
 *   FAKE_CLAUDE_SCRIPT           JSON file: [{"match": "substring", "reply": "text", "delayMs": N}]
 *   FAKE_CLAUDE_LOG              append one JSON line per submitted message
 *   FAKE_CLAUDE_TRUST_DIALOG=1   start with the "trust this folder" dialog
 *   FAKE_CLAUDE_CRASH_ON_START=N exit with status N at once
 *   FAKE_CLAUDE_PERMISSION_ON=S  messages containing S ask for permission first (in any mode)
 *   FAKE_CLAUDE_STARTUP_MS=N     show a blank screen for N ms before the UI (a slow cold start)
 *   FAKE_CLAUDE_HANG=1           never show the UI (a CLI stuck at start-up)
 *   FAKE_CLAUDE_SWALLOW_ENTERS=N ignore the first N Enter presses that would submit
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

const VERSION = '2.1.331';
const env = process.env;
const intEnv = (name, fallback) => {
  const n = Number.parseInt(env[name] ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

const TURN_MS = intEnv('FAKE_CLAUDE_TURN_MS', 300);
const SCRIPT = env.FAKE_CLAUDE_SCRIPT || undefined;
const LOG = env.FAKE_CLAUDE_LOG || undefined;
const PERMISSION_ON = env.FAKE_CLAUDE_PERMISSION_ON || undefined;
const SPINNER_MS = 100;
const SPINNER_FRAMES = ['·', '✢', '✳', '✶', '✻', '✽', '✻', '✶', '✳', '✢'];
const INTERRUPTED = '  ⎿  Interrupted · What should Claude do instead?';
const MAX_INPUT_ROWS = 10;

// ---------------------------------------------------------------------------------------------
// Arguments: every Claude Code flag is accepted; only a few change what is drawn.

const VALUE_FLAGS = new Set([
  '--permission-mode',
  '--settings',
  '--model',
  '--fallback-model',
  '--effort',
  '--append-system-prompt',
  '--append-system-prompt-file',
  '--system-prompt',
  '--system-prompt-file',
  '--mcp-config',
  '--disallowedTools',
  '--disallowed-tools',
  '--allowedTools',
  '--allowed-tools',
  '--add-dir',
  '--resume',
  '-r',
  '--session-id',
  '--output-format',
  '--input-format',
  '--agents',
  '--setting-sources',
]);

function parseArgs(argv) {
  const o = {
    model: undefined,
    effort: 'medium',
    mode: 'default',
    settings: undefined,
    version: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    let value;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (VALUE_FLAGS.has(name)) value = argv[++i];
    if (name === '--version' || name === '-v') o.version = true;
    else if (name === '--help' || name === '-h') o.help = true;
    else if (name === '--dangerously-skip-permissions') o.mode = 'bypassPermissions';
    else if (name === '--permission-mode' && value && o.mode !== 'bypassPermissions')
      o.mode = value;
    else if (name === '--model' && value) o.model = value;
    else if (name === '--effort' && value) o.effort = value;
    else if (name === '--settings' && value) o.settings = value;
  }
  return o;
}

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write(`${VERSION} (Claude Code)\n`);
  process.exit(0);
}
if (args.help) {
  process.stdout.write(
    'Usage: claude [options]\n\nfake-claude: a scripted stand-in for Claude Code (tests only).\n',
  );
  process.exit(0);
}
const crash = env.FAKE_CLAUDE_CRASH_ON_START;
if (crash !== undefined && crash !== '') {
  process.stderr.write(`fake-claude: crashing on start (FAKE_CLAUDE_CRASH_ON_START=${crash})\n`);
  process.exit(intEnv('FAKE_CLAUDE_CRASH_ON_START', 1));
}

/** `--settings` is a JSON string or a file holding one. */
function settings() {
  if (!args.settings) return {};
  try {
    const text = args.settings.trim().startsWith('{')
      ? args.settings
      : readFileSync(args.settings, 'utf8');
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** Bypass mode warns once at start unless the setting cao passes says not to. */
const BYPASS_WARNING =
  args.mode === 'bypassPermissions' && settings().skipDangerousModePermissionPrompt !== true;
const MODE_LABEL =
  {
    bypassPermissions: '⏵⏵ bypass permissions on (shift+tab to cycle)',
    acceptEdits: '⏵⏵ accept edits on (shift+tab to cycle)',
    plan: '⏸ plan mode on (shift+tab to cycle)',
    auto: '⏵⏵ auto mode on (shift+tab to cycle)',
  }[args.mode] ?? '⏸ manual mode on';
const SESSION_ID = randomUUID();

// ---------------------------------------------------------------------------------------------
// Text helpers: display width (tmux counts East Asian wide characters and emoji as 2 columns).

function cpWidth(cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f)
  )
    return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

function width(s) {
  let w = 0;
  for (const ch of s) w += cpWidth(ch.codePointAt(0));
  return w;
}

/** Text safe to draw on one row: tabs become spaces, other control characters go. */
function clean(s) {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return s.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Splits one line into rows of at most `max` columns; continuation rows start with `indent`. */
function wrap(text, max, indent) {
  const rows = [];
  let row = '';
  let w = 0;
  const iw = width(indent);
  for (const ch of text) {
    const cw = cpWidth(ch.codePointAt(0));
    if (w + cw > max && w > iw) {
      rows.push(row);
      row = indent;
      w = iw;
    }
    row += ch;
    w += cw;
  }
  rows.push(row);
  return rows;
}

function size() {
  return {
    cols: Math.max(20, process.stdout.columns || 80),
    rows: Math.max(8, process.stdout.rows || 24),
  };
}

const rule = (cols) => '─'.repeat(cols);

function clock(d) {
  const h = d.getHours();
  const m = String(d.getMinutes()).padStart(2, '0');
  return `${h % 12 === 0 ? 12 : h % 12}:${m} ${h < 12 ? 'AM' : 'PM'}`;
}

// ---------------------------------------------------------------------------------------------
// State

/** @type {'loading' | 'trust' | 'bypass' | 'main' | 'permission' | 'exited'} */
let phase = 'loading';
/** Logical transcript lines (append-only: the oldest may already be in the scrollback). */
const transcript = [
  '',
  ' ▐▛███▛█   Claude Code v' + VERSION,
  `▝▜██████▀  ${args.model ?? 'Opus 5.5'} · API Usage Billing`,
  ` ▝▝   ▝▝   ${shownCwd()}`,
  '',
];
/** The input: typed text and pastes (a long paste shows as `[Pasted text #N +L lines]`). */
let input = [];
let pasteCount = 0;
let busy = false;
/** The working directory as the banner shows it: the home directory as `~`, like the real CLI. */
function shownCwd() {
  const cwd = process.cwd();
  const home = (env.HOME ?? '').replace(/\/+$/, '');
  if (!home || home === '/') return cwd;
  return cwd === home || cwd.startsWith(`${home}/`) ? `~${cwd.slice(home.length)}` : cwd;
}
/** The running turn: { message, reply, delayMs, started, timer }. */
let turn;
let spinner;
let spinnerFrame = 0;
/** Menu cursor of the start-up dialogs (0 = No, exit) and the permission prompt (0 = Yes). */
let menu = 0;
let ctrlCArmed = false;
let ctrlCTimer;
let swallowEnters = intEnv('FAKE_CLAUDE_SWALLOW_ENTERS', 0);

// ---------------------------------------------------------------------------------------------
// Drawing

/** The transcript wrapped at `wrapCols`: one entry per screen row, with its logical line. */
let transcriptRows = [];
let wrapCols = 0;
/** How many rows of `transcriptRows` are in the terminal's scrollback. */
let pushed = 0;
/** Rows we believe tmux holds in the scrollback (pushed rows plus rows a shrink pushed). */
let scrolled = 0;
/** The rows on screen now; undefined = unknown (first draw, after a resize). */
let frame;
/** How many transcript rows the current frame shows at its top. */
let frameBody = 0;
let drawnSize = { cols: 0, rows: 0 };

/** Brings `transcriptRows` up to date for `cols` columns. */
function syncTranscriptRows(cols) {
  if (cols !== wrapCols) {
    // re-wrapped at another width: keep the scrollback boundary at a logical line
    const firstUnpushed =
      pushed < transcriptRows.length
        ? transcriptRows[pushed].line
        : (transcriptRows[transcriptRows.length - 1]?.line ?? -1) + 1;
    transcriptRows = [];
    wrapCols = cols;
    for (let i = 0; i < transcript.length; i++) {
      if (i === firstUnpushed) pushed = transcriptRows.length;
      for (const text of wrap(clean(transcript[i]), cols - 1, '  ')) {
        transcriptRows.push({ text, line: i });
      }
    }
    if (firstUnpushed >= transcript.length) pushed = transcriptRows.length;
    return;
  }
  let next = (transcriptRows[transcriptRows.length - 1]?.line ?? -1) + 1;
  for (; next < transcript.length; next++) {
    for (const text of wrap(clean(transcript[next]), cols - 1, '  ')) {
      transcriptRows.push({ text, line: next });
    }
  }
}

/**
 * The terminal was resized. With the cursor parked on the last row, tmux keeps the bottom of
 * the screen in place: a shrink moves the top rows into the scrollback, a growth pulls rows back
 * out of it. Account for that so the next frame continues the scrollback without gaps.
 */
function onResize() {
  const now = size();
  if (drawnSize.cols === now.cols && phase !== 'loading' && phase !== 'exited') {
    const delta = now.rows - drawnSize.rows;
    if (delta < 0) {
      pushed += Math.min(-delta, frameBody);
      scrolled += -delta;
    } else if (delta > 0) {
      const pulled = Math.min(delta, scrolled);
      scrolled -= pulled;
      pushed = Math.max(0, pushed - pulled);
    }
  }
  frame = undefined;
  render();
}

const inputText = () => input.map((p) => p.text).join('');
const inputDisplay = () => input.map((p) => p.label ?? p.text).join('');
const CUP = (row, col = 1) => `\x1b[${row};${col}H`;

function footer() {
  if (ctrlCArmed) return '  Press Ctrl-C again to exit';
  return `  ${MODE_LABEL} · ${busy ? 'esc to interrupt' : '? for shortcuts'}`;
}

function inputRows(cols) {
  const rows = [];
  inputDisplay()
    .split('\n')
    .forEach((line, i) =>
      rows.push(...wrap((i === 0 ? '❯\u00a0' : '  ') + clean(line), cols - 1, '  ')),
    );
  return rows.length > MAX_INPUT_ROWS ? [rows[0], ...rows.slice(1 - MAX_INPUT_ROWS)] : rows;
}

function trustRows(cols) {
  const text = [
    rule(cols),
    ' Accessing workspace:',
    '',
    ` ${process.cwd()}`,
    '',
    " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this folder first.",
    '',
    " Claude Code'll be able to read, edit, and execute files here.",
    '',
    ` ${menu === 0 ? '❯' : ' '} No, exit`,
    ` ${menu === 1 ? '❯' : ' '} Yes, I trust this folder`,
    '',
    ' Enter to confirm · Esc to cancel',
  ];
  return text.flatMap((l, i) => (i === 0 ? [l] : wrap(l, cols - 1, ' ')));
}

/** The bypass-permissions warning, as Claude Code 2.1.331 draws it. */
function bypassRows(cols) {
  const text = [
    rule(cols),
    '  WARNING: Claude Code running in Bypass Permissions mode',
    '',
    '  In Bypass Permissions mode, Claude Code will not ask for your approval before running potentially dangerous commands.',
    '  This mode should only be used in a sandboxed container/VM that has restricted internet access and can easily be restored if damaged.',
    '',
    '  By proceeding, you accept all responsibility for actions taken while running in Bypass Permissions mode.',
    '',
    '  https://code.claude.com/docs/en/security',
    '',
    `  ${menu === 0 ? '❯' : ' '} No, exit`,
    `  ${menu === 1 ? '❯' : ' '} Yes, I accept`,
    '',
    '  Enter to confirm · Esc to cancel',
  ];
  return text.flatMap((l, i) => (i === 0 ? [l] : wrap(l, cols - 1, '  ')));
}

function permissionRows(cols) {
  return [
    '● Running a command',
    '  ⎿  $ echo fake-permission',
    '',
    rule(cols),
    ' Bash command',
    '',
    '   echo fake-permission',
    '   Run a fake command',
    '',
    ' Do you want to proceed?',
    ` ${menu === 0 ? '❯' : ' '} 1. Yes`,
    // as Claude Code 2.1 words it: the long option a dashboard has to wrap
    ` ${menu === 1 ? '❯' : ' '} 2. Yes, and don't ask again for commands that start with \`echo fake-permission\` (p)`,
    ` ${menu === 2 ? '❯' : ' '} 3. No`,
    '',
    ' Esc to cancel · Tab to amend',
  ];
}

/** The rows below the transcript: spinner, effort, input box and footer, or a dialog. */
function bottomRows(cols) {
  if (phase === 'permission') return permissionRows(cols);
  const effort = `◐ ${args.effort} · /effort`;
  const rows = [];
  if (busy) rows.push(`${SPINNER_FRAMES[spinnerFrame % SPINNER_FRAMES.length]} Pondering…`);
  rows.push(' '.repeat(Math.max(0, cols - 1 - width(effort))) + effort);
  rows.push(rule(cols), ...inputRows(cols), rule(cols), footer());
  return rows;
}

function render() {
  if (phase === 'exited') return;
  const { cols, rows } = size();
  let next;
  let out = '';
  frameBody = 0;
  if (phase === 'loading' || phase === 'trust' || phase === 'bypass') {
    const dialog = { loading: [], trust: trustRows(cols), bypass: bypassRows(cols) }[phase];
    next = dialog.slice(0, rows);
  } else {
    syncTranscriptRows(cols);
    let bottom = bottomRows(cols);
    if (bottom.length > rows) bottom = bottom.slice(bottom.length - rows);
    const avail = rows - bottom.length;
    const body = transcriptRows.slice(pushed).map((r) => r.text);
    const excess = Math.max(0, body.length - avail);
    const shown = body.slice(excess);
    frameBody = shown.length;
    while (shown.length < avail) shown.push('');
    next = [...shown, ...bottom];
    if (excess > 0) {
      // write from the top row on: the terminal scrolls `excess` times, keeping those rows
      out += CUP(1) + [...body.slice(0, excess), ...next].map((t) => `\x1b[2K${t}`).join('\r\n');
      pushed += excess;
      scrolled += excess;
      frame = next;
    }
  }
  while (next.length < rows) next.push('');
  for (let r = 0; r < rows; r++) {
    if (frame && frame.length === rows && frame[r] === next[r]) continue;
    out += `${CUP(r + 1)}\x1b[2K${next[r]}`;
  }
  frame = next;
  drawnSize = { cols, rows };
  // park the cursor on the last row, so a resize keeps the bottom in place (see onResize)
  if (out !== '') process.stdout.write(`${out}${CUP(rows)}`);
}

// ---------------------------------------------------------------------------------------------
// Turns

function planReply(message) {
  let reply = `ACK: ${Array.from(message).slice(0, 60).join('')}`;
  let delayMs = TURN_MS;
  if (SCRIPT) {
    try {
      const rules = JSON.parse(readFileSync(SCRIPT, 'utf8'));
      for (const r of Array.isArray(rules) ? rules : []) {
        if (r && typeof r.match === 'string' && message.includes(r.match)) {
          if (typeof r.reply === 'string') reply = r.reply;
          if (Number.isFinite(r.delayMs) && r.delayMs >= 0) delayMs = r.delayMs;
          break;
        }
      }
    } catch (e) {
      reply = `API Error: fake-claude cannot read FAKE_CLAUDE_SCRIPT: ${e.message}`;
    }
  }
  return { reply, delayMs };
}

function logMessage(message) {
  if (!LOG) return;
  const line = { t: Date.now(), pid: process.pid, terminal: env.CAO_TERMINAL_ID ?? null, message };
  // one synchronous append per message: tests count deliveries from this file
  appendFileSync(LOG, `${JSON.stringify(line)}\n`);
}

function submit() {
  const message = inputText();
  input = [];
  if (message.trim() === '/exit') {
    exit(0, true);
    return;
  }
  logMessage(message);
  // like Claude Code 2.1: the whole message, first line after `❯`, the rest indented
  const lines = message.replace(/^\n+|\s+$/g, '').split('\n');
  transcript.push(...lines.map((l, i) => (i === 0 ? `❯ ${l}` : `  ${l}`)), '');
  turn = { message, ...planReply(message), started: Date.now(), timer: undefined };
  // (the real CLI never asks in bypass mode; the test asked for a prompt, so it gets one)
  if (PERMISSION_ON && message.includes(PERMISSION_ON)) {
    phase = 'permission';
    menu = 0;
    return;
  }
  work();
}

function work() {
  busy = true;
  spinnerFrame = 0;
  turn.timer = setTimeout(() => {
    finish();
    render();
  }, turn.delayMs);
  spinner = setInterval(() => {
    spinnerFrame++;
    render();
  }, SPINNER_MS);
}

function stopWork() {
  busy = false;
  if (turn?.timer) clearTimeout(turn.timer);
  if (spinner) clearInterval(spinner);
  spinner = undefined;
}

function finish() {
  const t = turn;
  stopWork();
  turn = undefined;
  const lines = t.reply.split('\n');
  if (lines[0].trim() === '') lines[0] = '(no content)';
  transcript.push(...lines.map((l, i) => (i === 0 ? `● ${l}` : l === '' ? '' : `  ${l}`)));
  const secs = Math.round((Date.now() - t.started) / 1000);
  transcript.push('', `✻ Cooked for ${secs}s · done ${clock(new Date())}`, '');
}

function interrupt() {
  stopWork();
  turn = undefined;
  transcript.push(INTERRUPTED, '');
}

function answerPermission(yes) {
  phase = 'main';
  if (yes) {
    transcript.push('  Ran 1 shell command', '');
    work();
  } else {
    turn = undefined;
    transcript.push(INTERRUPTED, '');
  }
}

function exit(code, resume) {
  stopWork();
  if (ctrlCTimer) clearTimeout(ctrlCTimer);
  const { rows } = size();
  const lines = resume ? ['Resume this session with:', `claude --resume ${SESSION_ID}`] : [];
  let out = '';
  // overwrite in place; an erase-display would push the screen into tmux's scrollback
  for (let r = 0; r < rows; r++) out += `${CUP(r + 1)}\x1b[2K${lines[r] ?? ''}`;
  out += `${CUP(lines.length + 1)}\x1b[?2004l\x1b[?25h`;
  phase = 'exited';
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  } catch {}
  process.stdout.write(out, () => process.exit(code));
}

// ---------------------------------------------------------------------------------------------
// Input

function onKey(key) {
  if (phase === 'exited' || phase === 'loading') return;
  if (key === 'ctrl-c' || key === 'ctrl-d') {
    onCtrlC();
    return;
  }
  if (phase === 'trust' || phase === 'bypass') {
    if (key === 'up' || key === 'down') menu = key === 'up' ? 0 : 1;
    else if (key === 'escape') exit(1, false);
    else if (key === 'enter') {
      if (menu === 0) exit(1, false);
      else nextStartupPhase();
    }
    return;
  }
  if (phase === 'permission') {
    if (key === 'up' || key === 'down')
      menu = Math.max(0, Math.min(2, menu + (key === 'up' ? -1 : 1)));
    else if (key === 'enter') answerPermission(menu < 2);
    else if (key === 'escape') answerPermission(false);
    return;
  }
  // the main prompt
  if (key === 'escape') {
    if (busy) interrupt();
  } else if (key === 'enter') {
    const text = inputText();
    if (text.trim() === '') return;
    if (busy && text.trim() !== '/exit') return; // queued in the box until the turn ends
    if (swallowEnters > 0) {
      swallowEnters--;
      return;
    }
    submit();
  } else if (key === 'backspace') {
    const last = input[input.length - 1];
    if (!last) return;
    if (last.label !== undefined) input.pop();
    else {
      last.text = Array.from(last.text).slice(0, -1).join('');
      if (last.text === '') input.pop();
    }
  } else if (key === 'newline') {
    typeText('\n');
  }
}

/** Printable text typed (not pasted). */
function onText(text) {
  if (phase === 'permission') {
    if (text[0] === '1' || text[0] === '2') answerPermission(true);
    else if (text[0] === '3') answerPermission(false);
  } else if (phase === 'main') typeText(text);
}

function typeText(text) {
  const last = input[input.length - 1];
  if (last && last.label === undefined) last.text += text;
  else input.push({ text });
}

function onPaste(raw) {
  if (phase !== 'main') return;
  // tmux's paste-buffer turns line feeds into carriage returns
  const text = raw.replace(/\r\n?/g, '\n');
  if (text === '') return;
  const lines = text.split('\n').length;
  if (lines > 8 || text.length > 800) {
    pasteCount++;
    input.push({ text, label: `[Pasted text #${pasteCount} +${lines} lines]` });
  } else typeText(text);
}

function onCtrlC() {
  if (phase === 'permission') answerPermission(false);
  else if (phase === 'main' && busy) interrupt();
  else if (phase === 'main' && inputText() !== '') {
    input = [];
    return;
  }
  if (ctrlCArmed) {
    exit(0, true);
    return;
  }
  ctrlCArmed = true;
  ctrlCTimer = setTimeout(() => {
    ctrlCArmed = false;
    ctrlCTimer = undefined;
    render();
  }, 2000);
}

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** An incomplete escape sequence or paste end marker carried over to the next read. */
let carry = '';
/** The text of a bracketed paste in progress, or undefined. */
let pasting;

function onData(chunk) {
  const s = carry + chunk;
  carry = '';
  let i = 0;
  while (i < s.length && phase !== 'exited') {
    if (pasting !== undefined) {
      const end = s.indexOf(PASTE_END, i);
      if (end < 0) {
        let keep = 0;
        for (let k = Math.min(PASTE_END.length - 1, s.length - i); k > 0; k--) {
          if (PASTE_END.startsWith(s.slice(s.length - k))) {
            keep = k;
            break;
          }
        }
        pasting += s.slice(i, s.length - keep);
        carry = s.slice(s.length - keep);
        break;
      }
      pasting += s.slice(i, end);
      onPaste(pasting);
      pasting = undefined;
      i = end + PASTE_END.length;
      continue;
    }
    const c = s[i];
    if (c === '\x1b') {
      const n = s[i + 1];
      if (n === '[') {
        let j = i + 2;
        while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
        if (j >= s.length) {
          carry = s.slice(i);
          break;
        }
        const seq = s.slice(i, j + 1);
        i = j + 1;
        if (seq === PASTE_START) pasting = '';
        else onKey({ A: 'up', B: 'down', C: 'right', D: 'left' }[seq.slice(2)] ?? 'other');
        continue;
      }
      if (n === 'O' && i + 2 < s.length) {
        onKey({ A: 'up', B: 'down', C: 'right', D: 'left' }[s[i + 2]] ?? 'other');
        i += 3;
        continue;
      }
      // a lone ESC (what tmux's `send-keys Escape` writes)
      onKey('escape');
      i++;
      continue;
    }
    i += c.length;
    if (c === '\r') onKey('enter');
    else if (c === '\n') onKey('newline');
    else if (c === '\x7f' || c === '\b') onKey('backspace');
    else if (c === '\x03') onKey('ctrl-c');
    else if (c === '\x04') onKey('ctrl-d');
    else if (c === '\t') onKey('tab');
    else if (c < ' ') continue;
    else {
      // printable text up to the next control character, as one insertion
      let j = i;
      // eslint-disable-next-line no-control-regex -- stop at control characters
      while (j < s.length && !/[\u0000-\u001f\u007f]/.test(s[j])) j++;
      onText(c + s.slice(i, j));
      i = j;
    }
  }
  render();
}

// ---------------------------------------------------------------------------------------------
// Start

function start() {
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', onData);
  process.stdin.on('end', () => process.exit(0));
  process.stdout.on('resize', onResize);
  // bracketed paste on, cursor hidden
  process.stdout.write('\x1b[?2004h\x1b[?25l');
  render();
  if (env.FAKE_CLAUDE_HANG === '1') return;
  const startupMs = intEnv('FAKE_CLAUDE_STARTUP_MS', 0);
  if (startupMs > 0) {
    setTimeout(() => {
      nextStartupPhase();
      render();
    }, startupMs);
  } else nextStartupPhase();
  render();
}

/** loading → trust dialog (if asked for) → bypass warning (if due) → the prompt. */
function nextStartupPhase() {
  menu = 0;
  if (phase === 'loading' && env.FAKE_CLAUDE_TRUST_DIALOG === '1') phase = 'trust';
  else if ((phase === 'loading' || phase === 'trust') && BYPASS_WARNING) phase = 'bypass';
  else phase = 'main';
}

start();
