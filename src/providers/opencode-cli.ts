/**
 * OpenCode (`opencode`). Screen reader for its full-screen TUI (alternate screen, so there is
 * no scrollback: the screen is all there is). A session screen is a transcript column on the
 * left and a sidebar (title, context, MCP, LSP) on the right; the transcript holds user
 * messages as `┃` blocks, answer text indented by five spaces, tool lines (`⚙ tool [..]`,
 * `→ Read ..`, `$ cmd`), tool output and error messages as `┃` blocks, and one footer line per
 * turn, `▣  Build · Model · 8.9s` (the duration appears when the turn finished normally).
 * Below sits the input box (`┃` lines closed by `╹▀▀▀`) and the status line, which says
 * `esc interrupt` while a turn runs. Verified against the captures in ../shared (1.14.19 from
 * the original CAO, 1.18.33) and our own captures of 1.18.33.
 *
 * A reply may quote OpenCode's own lines (a spinner, `→ Read`, `△ Permission required`): the
 * state is read from the status line and the footer only, never from the transcript's words,
 * and in a styled capture (`capture-pane -e`) a tool line is told from answer text by its
 * colour (OpenCode draws its tool lines muted, answer text in the theme's text colour).
 *
 * Over 500 lines by design: one provider is one file of pure functions over OpenCode's screen
 * text (detection, answer extraction, keys, launch and install files), as every provider is.
 */
import { join } from 'node:path';
import { CaoError } from '../lib/errors.js';
import {
  httpHeaders,
  isHttpMcp,
  type Detection,
  type LaunchContext,
  type LaunchFile,
  type LaunchSpec,
  type Provider,
} from './provider.js';
import {
  CUT_NOTE,
  blankOrDeadPane,
  evidence,
  lastIndexMatching,
  leadingForeground,
  numberedQuestion,
  optionIndex,
  screenLines,
  styledLines,
} from './screen.js';
import { deniedTools, type ToolMap } from './tools.js';

/** Status line while a turn runs: `■■■⬝⬝⬝⬝⬝  esc interrupt` (`esc again to interrupt` after one Esc). */
const BUSY_RE = /\besc (?:again to )?interrupt\b/;
/** HTTP 5xx retries, shown in the status line: `FAKE-ERROR-500 … [retrying in 9s attempt #3]`. */
const RETRY_RE = /\[retrying in \d+\S* attempt #\d+\]/;
/** The bottom edge of the input box. */
const BOX_BOTTOM_RE = /^\s*╹▀{10,}/u;
/** A line of a `┃` block (user message, tool output, error, input box, dialog). */
const BAR_RE = /^\s{0,8}┃/u;
/** A line of the autocomplete menu drawn right above the input box: `┃ /exit   Exit the app   ┃`. */
const POPUP_RE = /┃[^┃]*\S[^┃]*┃\s*$/u;
/** The per-turn footer: `▣  Build · Fake Model`, `▣  Build · Fake Model · 9.2s`. */
const TURN_FOOTER_RE = /^\s*▣\s+\S.*·/u;
/** The duration a normally finished turn adds: `· 9.2s`, `· 355ms`, `· 1m 5s`. */
const DURATION_RE = /·\s*\d+(?:\.\d+)?(?:ms|[smh])(?:\s+\d+(?:\.\d+)?(?:ms|[smh]))*\s*$/u;
/** Newer releases mark a turn the user stopped: `▣  Build · Fake Model · interrupted`. */
const INTERRUPTED_FOOTER_RE = /·\s*interrupted\s*$/u;
/** Permission dialogs: `△ Permission required`, its `△ Always allow` step, `△ Reject permission`. */
const PERMISSION_RE = /△\s+(?:Permission required|Always allow|Reject permission)\b/u;
/** The question tool's footer: `↑↓ select  enter submit  esc dismiss`. */
const QUESTION_FOOTER_RE = /\benter (?:submit|confirm|toggle)\b.*\besc dismiss\b/;
/** What `/exit` leaves on the screen: `Continue  opencode -s ses_…`. */
const EXITED_RE = /^\s*Continue\s+opencode\s+(?:-s|--session)\s+\S+/;
/** The placeholder of an empty input box on the start screen: `Ask anything… "Fix a TODO"`. */
const PLACEHOLDER_RE = /^Ask anything(?:…|\.\.\.)\s*(?:".*")?$/u;
/**
 * Inline tool lines in the transcript (icons of OpenCode's tool renderers, braille spinner).
 * Not `$`/`#`: answer text renders code blocks as plain indented lines (`$ npm test`), and a
 * shell call becomes a `┃` block once it ran.
 */
const TOOL_LINE_RE = /^\s*(?:[⚙→←✱◈◇%⟳◉]|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏])\s/u;
/** First line of a `┃` block that is a tool's output or a reasoning block, not an error. */
const TOOL_BLOCK_RE = /^(?:[$#←→⚙✱◈◇%⟳◉]\s|Thinking:)/u;

/** Display width of one code point: wide East Asian and emoji take two cells. */
function cellWidth(cp: number): number {
  if (cp < 0x1100) return 1;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The part of `line` that lies left of screen column `col`. */
function cutAt(line: string, col: number): string {
  let width = 0;
  let out = '';
  for (const ch of line) {
    width += cellWidth(ch.codePointAt(0) ?? 0);
    if (width > col) break;
    out += ch;
  }
  return out;
}

/**
 * The screen as lines of the transcript column only: the sidebar (right of the input box) and
 * the toast boxes drawn over the transcript's top right (`┃  FAKE-ERROR-400 …  ┃`) removed.
 */
function mainLines(screen: string): string[] {
  const lines = screenLines(screen);
  const bottom = lastIndexMatching(lines, BOX_BOTTOM_RE);
  const edge = bottom >= 0 ? (lines[bottom] ?? '').trimEnd() : '';
  // the session view's box starts at the left edge; the start screen's is centred (no sidebar)
  const width = edge !== '' && /^\s{0,4}╹/u.test(edge) ? [...edge].length + 1 : 0;
  return lines.map((l) => {
    const cut = width > 0 ? cutAt(l, width) : l;
    return cut.replace(/\s{3,}┃[^┃]*┃\s*$/u, '').replace(/\s+$/u, '');
  });
}

interface Box {
  /** First line of the input box. */
  top: number;
  /** The `╹▀▀▀` line. */
  bottom: number;
  /** The text typed in it ('' when empty or only the placeholder shows). */
  text: string;
}

/** The input box: `┃` lines (padding, text, padding, agent · model) above `╹▀▀▀`. */
function findBox(lines: readonly string[]): Box | undefined {
  const bottom = lastIndexMatching(lines, BOX_BOTTOM_RE);
  if (bottom < 2) return undefined;
  let top = bottom;
  // the command/file autocomplete sits right above the box as `┃ /exit   Exit the app   ┃`
  while (top > 0 && /^\s*┃/u.test(lines[top - 1] ?? '') && !POPUP_RE.test(lines[top - 1] ?? '')) {
    top--;
  }
  if (bottom - top < 2) return undefined;
  // padding line, the text lines, a padding line, the agent line (`Build · Fake Model Fake LLM`)
  const text = lines
    .slice(top + 1, bottom - 2)
    .map((l) => l.replace(/^\s*┃\s?\s?/u, '').trimEnd())
    .join('\n')
    .trim();
  return { top, bottom, text: PLACEHOLDER_RE.test(text) ? '' : text };
}

interface Block {
  start: number;
  end: number;
  /** The first non-empty line inside the block, without the bar. */
  head: string;
}

/** Contiguous `┃` blocks of the transcript, in order. */
function barBlocks(lines: readonly string[], from: number, to: number): Block[] {
  const blocks: Block[] = [];
  for (let i = from; i < to; i++) {
    if (!BAR_RE.test(lines[i] ?? '')) continue;
    let end = i;
    while (end + 1 < to && BAR_RE.test(lines[end + 1] ?? '')) end++;
    const head =
      lines
        .slice(i, end + 1)
        .map((l) => l.replace(/^\s*┃\s*/u, '').trim())
        .find((l) => l !== '') ?? '';
    blocks.push({ start: i, end, head });
    i = end;
  }
  return blocks;
}

interface Turn {
  /** Index of the last `▣` footer, -1 when none is on screen. */
  footer: number;
  /** The `▣` footer before it (a finished turn), -1 when none is on screen. */
  previous: number;
  /** The user message of the last turn. */
  user: Block | undefined;
  /** The error block that ended the last turn (right above its footer). */
  error: Block | undefined;
  /** A message sent after the last footer and not answered yet. */
  pending: Block | undefined;
}

/**
 * Reads the last turn. User messages and error messages are drawn alike (a `┃` block); which
 * is which follows from the order: a turn is a user message, the answer (text, tool lines,
 * tool blocks) and, when it failed, an error block. A turn that failed or was interrupted
 * loses its `▣` footer once a newer message exists, so several such turns can sit between two
 * footers: after a user message (and its answer) the next plain block is taken as the error,
 * the one after an error as the next user message, and answer text after a block shows it was
 * a user message.
 */
function lastTurn(lines: readonly string[], end: number): Turn {
  const footer = lastIndexMatching(lines, TURN_FOOTER_RE, end - 1);
  const previous = footer > 0 ? lastIndexMatching(lines, TURN_FOOTER_RE, footer - 1) : -1;
  const stop = footer >= 0 ? footer : end;
  const blocks = barBlocks(lines, previous + 1, stop);
  let state: 'start' | 'turn' | 'error' = 'start';
  let user: Block | undefined;
  let error: Block | undefined;
  let last: 'user' | 'error' | 'content' | undefined;
  for (let i = previous + 1; i < stop; i++) {
    const block = blocks.find((b) => b.start === i);
    if (block) {
      i = block.end;
      if (TOOL_BLOCK_RE.test(block.head)) {
        if (state === 'error' && error) user = error;
        state = 'turn';
        last = 'content';
      } else if (state === 'turn') {
        error = block;
        state = 'error';
        last = 'error';
      } else {
        user = block;
        error = undefined;
        state = 'turn';
        last = 'user';
      }
    } else if ((lines[i] ?? '').trim() !== '') {
      // answer text cannot follow an error: that block was the next user message
      if (state === 'error' && error) user = error;
      error = undefined;
      state = 'turn';
      last = 'content';
    }
  }
  const pending = footer >= 0 ? barBlocks(lines, footer + 1, end)[0] : user;
  if (footer < 0) return { footer, previous, user: undefined, error: undefined, pending };
  return { footer, previous, user, error: last === 'error' ? error : undefined, pending };
}

function detect(screen: string): Detection {
  const lines = mainLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;
  const tail = lines.slice(-25);

  const box = findBox(lines);
  if (!box) {
    // a dialog replaces the input box while it waits for an answer
    const permission = tail.find((l) => PERMISSION_RE.test(l));
    if (permission) {
      const options = tail.find((l) => /\bAllow once\b|\bConfirm\b.*\bCancel\b/.test(l));
      return waiting('permission-prompt', permission, options);
    }
    const footer = lastIndexMatching(tail, QUESTION_FOOTER_RE);
    if (footer >= 0) {
      const asked = questionTool(tail, footer);
      const d = waiting('question', asked?.text ?? tail[footer]);
      return asked ? { ...d, question: asked } : d;
    }
    const exited = lines.find((l) => EXITED_RE.test(l));
    if (exited) return { status: 'error', rule: 'cli-exited', evidence: evidence(exited) };
    return { status: 'unknown', rule: 'no-input-box', evidence: evidence(lines.at(-1)) };
  }

  const status = lines.slice(box.bottom + 1).join(' ');
  const busy = lines.slice(box.bottom + 1).find((l) => BUSY_RE.test(l));
  if (busy) {
    const retry = RETRY_RE.test(status);
    return {
      status: 'processing',
      rule: retry ? 'api-retrying' : 'footer-esc-interrupt',
      evidence: evidence(busy.replace(/\s{3,}/g, '  ')),
    };
  }
  if (box.text !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(box.text.split('\n')[0]) };
  }

  const turn = lastTurn(lines, box.top);
  if (turn.pending) {
    return {
      status: 'processing',
      rule: 'awaiting-response',
      evidence: evidence(`┃ ${turn.pending.head}`),
    };
  }
  if (turn.footer < 0) {
    return { status: 'idle', rule: 'empty-prompt', evidence: evidence(lines[box.top + 1]) };
  }
  const footer = lines[turn.footer] ?? '';
  if (INTERRUPTED_FOOTER_RE.test(footer)) {
    return { status: 'idle', rule: 'interrupted', evidence: evidence(footer) };
  }
  if (DURATION_RE.test(footer)) {
    return { status: 'completed', rule: 'turn-footer', evidence: evidence(footer) };
  }
  // no duration: the turn did not finish normally (an error, an interrupt, a rejected tool)
  if (turn.error) {
    return { status: 'error', rule: 'turn-error', evidence: evidence(turn.error.head, footer) };
  }
  return { status: 'idle', rule: 'turn-stopped', evidence: evidence(footer) };
}

/**
 * The question tool's question and options (`┃  Which color?`, `┃  1. Red`, `┃     warm`, …,
 * `┃  3. Type your own answer`) above its footer at `footer`.
 */
function questionTool(
  lines: readonly string[],
  footer: number,
): { text: string; options: string[] } | undefined {
  const body = lines.slice(Math.max(0, footer - 30), footer).map((l) => l.replace(/^\s*┃/u, ''));
  return numberedQuestion(body);
}

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  const tidy = lines.map((l) => l?.replace(/^\s*┃\s*/u, '').replace(/\s{3,}/g, '  '));
  return { status: 'waiting_user_answer', rule, evidence: evidence(...tidy) };
}

function inputText(screen: string): string | undefined {
  return findBox(mainLines(screen))?.text;
}

/** Removes the common indentation of a group of lines. */
function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^\s*/u.exec(l)?.[0].length ?? 0);
  const min = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(min));
}

/**
 * In a styled screen, whether OpenCode drew line `at` as answer text: its first character has
 * the colour of the agent's name on the turn's footer (`▣  Build · …`, the theme's text
 * colour), where a tool line starts with a muted icon. On a plain screen: never (a line that
 * looks like a tool line is taken as one).
 */
function answerTextReader(screen: string, footer: number): (at: number) => boolean {
  const styled = styledLines(screen);
  const line = styled?.[footer] ?? '';
  const mark = line.indexOf('▣');
  const text = mark >= 0 ? leadingForeground(line.slice(mark + 1)) : '';
  if (!styled || text === '') return () => false;
  return (at) => leadingForeground(styled[at] ?? '') === text;
}

function lastMessage(history: string): string | undefined {
  const lines = mainLines(history);
  const box = findBox(lines);
  const end = box ? box.top : lines.length;
  const turn = lastTurn(lines, end);
  if (turn.footer < 0) return undefined;
  if (turn.error) {
    const text = lines
      .slice(turn.error.start, turn.error.end + 1)
      .map((l) => l.replace(/^\s*┃\s?\s?/u, ''));
    return dedent(text).join('\n').trim() || undefined;
  }
  // the answer is the text after the turn's last tool call (or after the user message)
  let start = turn.user ? turn.user.end + 1 : turn.previous + 1;
  // neither the user message nor an earlier turn on the screen: the reply's start scrolled off
  // (the alternate screen keeps no history)
  let cut = !turn.user && turn.previous < 0;
  const answerLine = answerTextReader(history, turn.footer);
  for (let i = turn.footer - 1; i >= start; i--) {
    const l = lines[i] ?? '';
    if (BAR_RE.test(l) || (TOOL_LINE_RE.test(l) && !answerLine(i))) {
      start = i + 1;
      cut = false;
      break;
    }
  }
  const text = dedent(lines.slice(start, turn.footer)).join('\n').trim();
  if (text === '') return undefined;
  return cut ? `${CUT_NOTE}\n${text}` : text;
}

/** CAO tool vocabulary → OpenCode permission names (reference §5.3; `edit` covers write/patch). */
const TOOL_MAP: ToolMap = {
  execute_bash: ['bash', 'task'],
  fs_read: ['read'],
  fs_write: ['edit'],
  fs_list: ['glob', 'grep', 'list'],
  web_fetch: ['webfetch', 'websearch', 'codesearch'],
};

/** OpenCode permissions to deny for a restricted tool list; none when unrestricted. */
export function deniedPermissions(allowed: string[] | null): string[] {
  return deniedTools(allowed, TOOL_MAP);
}

/**
 * The asking mode: OpenCode allows every tool by default, so cao makes the acting ones ask
 * (shell, file edits, web, subagents), like the other CLIs' manual approval modes. cao's own
 * MCP server is allowed: its tools are how agents talk to each other.
 */
const ASK_PERMISSIONS = ['bash', 'edit', 'webfetch', 'websearch', 'codesearch', 'task'];
const CAO_MCP_SERVER = 'cao-mcp-server';

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['opencode'];
  const model = ctx.model ?? ctx.profile.model;
  if (model) {
    if (!/^[^/\s]+\/\S+$/.test(model)) {
      throw new CaoError(
        'INVALID_INPUT',
        `OpenCode needs the model as provider/model (e.g. anthropic/claude-sonnet-4-5), got '${model}'. ` +
          'Run `opencode models` to list the names it knows, and pass one of them as the model.',
      );
    }
    argv.push('--model', model);
  }
  // --auto approves every request that would ask; explicit "deny" rules still hold
  if (ctx.yolo) argv.push('--auto');

  const files: LaunchFile[] = [];
  const config: Record<string, unknown> = { $schema: 'https://opencode.ai/config.json' };
  if (ctx.profile.systemPrompt.trim() !== '') {
    // `instructions` adds the profile to OpenCode's own system prompt (an `agent` entry's
    // `prompt` would replace it, and with it the tool-use guidance)
    const promptFile = join(ctx.tmpDir, `${ctx.terminalId}.prompt.md`);
    files.push({ path: promptFile, content: ctx.profile.systemPrompt });
    config['instructions'] = [promptFile];
  }
  const mcp = Object.entries(ctx.mcpServers);
  if (mcp.length > 0) {
    config['mcp'] = Object.fromEntries(
      mcp.map(([name, s]) => [
        name,
        isHttpMcp(s)
          ? { type: 'remote', url: s.url, headers: httpHeaders(s), enabled: true }
          : { type: 'local', command: [s.command, ...s.args], environment: s.env, enabled: true },
      ]),
    );
  }
  const permission: Record<string, string> = {};
  if (!ctx.yolo) for (const p of ASK_PERMISSIONS) permission[p] = 'ask';
  if (ctx.mcpServers[CAO_MCP_SERVER]) permission[`${CAO_MCP_SERVER}_*`] = 'allow';
  for (const p of deniedPermissions(ctx.allowedTools)) permission[p] = 'deny';
  if (Object.keys(permission).length > 0) config['permission'] = permission;

  const configFile = join(ctx.tmpDir, `${ctx.terminalId}.opencode.json`);
  files.push({ path: configFile, content: JSON.stringify(config, null, 2) });
  return {
    argv,
    files,
    env: {
      // merged over the user's own config (~/.config/opencode, the project's opencode.json)
      OPENCODE_CONFIG: configFile,
      // no self-update in the middle of a session, no terminal title changes
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_TERMINAL_TITLE: '1',
    },
  };
}

/**
 * Picks an answer in OpenCode's dialogs. The permission dialog's buttons (`Allow once  Allow
 * always  Reject`) are chosen with ←/→ from "Allow once"; Esc rejects. The "Always allow"
 * confirmation (`Confirm  Cancel`) takes Enter or Esc. The question tool takes the option's
 * digit, for its number or its text.
 */
function answerKeys(screen: string, answer: string): string[] | undefined {
  const lines = mainLines(screen).slice(-30);
  const a = answer.trim().toLowerCase();
  const yes = a === 'y' || a === 'yes';
  const no = a === 'n' || a === 'no';
  if (lines.some((l) => /△\s+Permission required\b/u.test(l))) {
    if (a === '1' || yes) return ['Enter'];
    if (a === '2') return ['Right', 'Enter'];
    if (a === '3') return ['Right', 'Right', 'Enter'];
    if (no) return ['Escape'];
    return undefined;
  }
  if (lines.some((l) => /△\s+Always allow\b/u.test(l))) {
    if (a === '1' || yes) return ['Enter'];
    if (a === '2' || no) return ['Escape'];
    return undefined;
  }
  const footer = lastIndexMatching(lines, QUESTION_FOOTER_RE);
  if (footer >= 0) {
    if (/^[1-9]$/.test(a)) return [a];
    // an option's text picks its digit; other text is typed (its "Type your own answer")
    const asked = questionTool(lines, footer);
    const goal = asked && !yes && !no ? optionIndex(asked.options, a) : undefined;
    if (goal !== undefined && goal < 9) return [String(goal + 1)];
    if (yes || no) {
      const re = yes ? /^\s*┃?\s*(\d)\.\s+Yes\b/iu : /^\s*┃?\s*(\d)\.\s+No\b/iu;
      const digit = lines.map((l) => re.exec(l)?.[1]).find((d) => d !== undefined);
      if (digit) return [digit];
      return no ? ['Escape'] : undefined;
    }
  }
  return undefined;
}

export const opencodeCli: Provider = {
  id: 'opencode_cli',
  label: 'OpenCode',
  binary: 'opencode',
  installHint: 'npm install -g opencode-ai',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  // a tool line and a quoted one differ only by colour (see answerTextReader)
  styled: true,
  launch,
  detect,
  // OpenCode shows no start-up dialog (no folder trust, no update prompt with autoupdate off)
  startupKeys: () => undefined,
  inputText,
  lastMessage,
  answerKeys,
  exit: { text: '/exit' },
  resumeArgs: (argv, id) => [...argv, ...(id ? ['--session', id] : ['--continue'])],
};
