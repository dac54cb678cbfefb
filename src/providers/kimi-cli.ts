/**
 * Kimi Code CLI (`kimi`, npm `@moonshot-ai/kimi-code` 2.x; needs Node ≥ 22.19). Screen reader
 * for its inline TUI: user messages `✨ text`, answer and tool blocks `● text` (continuation
 * lines indented three spaces), a moon (`🌒 · Tip: …`) or braille (`⠋ Thinking…`) activity line
 * while a turn runs (there is no "esc to interrupt" text), the input box `╭─╮ │ > text │ ╰─╯`,
 * and approval panels (`▶ Run this command?`, `▶ Approve mcp__echo__echo_tool?`) drawn in place
 * of the input box. Also reads the older Python kimi-cli screens: its 1.x TUI (`── input ──`
 * area, `• text` blocks, `⠧ Thinking...`) and the legacy prompt (`💫` / `user@host💫 text`).
 *
 * Longer than most providers (about 700 lines) because it reads three generations of Kimi's
 * screens, and on the 2.x one tells its own chrome from quoted text by position and by the
 * colours of a styled capture (a reply may quote Kimi's busy and error lines); each reader is
 * a small pure function over the screen text.
 *
 * Verified against the 2.1.0 captures in ../shared and testdata/kimi_cli (run against a fake
 * model server in tmux), and the original CAO's kimi-cli fixtures.
 *
 * Launch notes (2.1.0, checked in the installed package):
 * - `--auto` is the skip-all-prompts mode ("Never Ask"); `--yolo` is "Ask When Needed" and still
 *   asks for risky actions, so it is not cao's yolo.
 * - There is no `--mcp-config` any more: Kimi reads MCP servers only from `$KIMI_CODE_HOME/mcp.json`
 *   (default `~/.kimi-code`), the project's `.mcp.json` and `<cwd>/.kimi-code/mcp.json`, with no
 *   variables expanded in `url` or `headers`; but an HTTP server's `bearerTokenEnvVar` makes
 *   Kimi read the token from its own environment.
 * - So cao's tools come over HTTP (cao-server's `/mcp`) through a stand-in Kimi home,
 *   CAO_HOME/tmp/kimi-code-home (0700, providers/provider.ts HomeOverlay, core/home-overlay.ts):
 *   every entry a link to the user's Kimi home except `mcp.json`, which is the user's servers
 *   (their stdio `cao-mcp-server` left out) plus cao's `{url, bearerTokenEnvVar}`; the token is
 *   only in the agent's environment (CAO_TERMINAL_TOKEN). Login, config and folder trust are
 *   read through the links, and sessions, logs and credentials written through them (folders
 *   made first in the user's home). The stand-in is shared and kept, not one per terminal:
 *   Kimi records each session's folder through it in the user's `session_index.jsonl`, and a
 *   removed folder would leave those entries stale (Kimi then compacts them away). Kimi
 *   rewrites some top-level files by rename (`workspaces.json` at every start), which replaces
 *   the link: before each launch such a file goes back to the user's home when it has none,
 *   else the user's wins. Checked against real Kimi 2.1.0: `kimi -r` from the user's own home
 *   resumes a session cao's Kimi started. On a remote host the stand-in is made there, in cao's
 *   folder under that user's home, by constant shell scripts over ssh
 *   (runtime/ssh/home-overlay-script.ts), linking that user's `~/.kimi-code`.
 * - CAO_MCP_TRANSPORT=stdio keeps the bridge: `installFiles` adds the profile's servers to
 *   `~/.kimi-code/mcp.json` at `cao install` time, without `CAO_TERMINAL_ID`: Kimi passes its
 *   whole environment to stdio MCP servers (the config's `env` is merged on top), and cao puts
 *   the terminal id in the agent's environment.
 * - The system prompt goes in a per-terminal agent file (`--agent-file`, Markdown with front
 *   matter; `${base_prompt}` keeps Kimi's own system prompt). Kimi 2.1.0 honours it in `kimi -p`
 *   but its interactive TUI ignores `--agent`/`--agent-file` when it creates the session (the
 *   session gets the default `agent` profile), so today the prompt and the tool restrictions in
 *   that file do not reach an interactive Kimi.
 *
 * Over 500 lines by design: one provider is one file of pure functions over Kimi's screen
 * text (detection, answer extraction, keys, launch and install files), as every provider is.
 */
import { join } from 'node:path';
import { CaoError } from '../lib/errors.js';
import {
  isHttpMcp,
  type Detection,
  type HomeOverlay,
  type InstallContext,
  type LaunchContext,
  type LaunchFile,
  type LaunchSpec,
  type McpHttpServer,
  type Provider,
} from './provider.js';
import {
  CUT_NOTE,
  blankOrDeadPane,
  evidence,
  lastIndexMatching,
  leadingForeground,
  noSuchOption,
  optionIndex,
  screenLines,
  styledLines,
} from './screen.js';
import { KIMI_OVERLAY_DIR } from './logs/kimi.js';
import { deniedTools, type ToolMap } from './tools.js';

/** A submitted user message: `✨ text` (2.x, kimi-cli 1.x), `💫 text` / `me@host💫 text` (older). */
const USER_RE = /^\s{0,2}(?:[\w.-]+@[\w.-]+)?[✨💫][\s\u00a0]+\S/u;
/** The older kimi-cli's prompt line (input line), empty or holding typed text. */
const LEGACY_PROMPT_RE = /^\s{0,2}(?:[\w.-]+@[\w.-]+)?[✨💫](?:[\s\u00a0]+(.*))?$/u;
/** Footer lines below the older kimi-cli's prompt (`… ctrl-x: toggle mode … context: 5.0%`). */
const FOOTER_RE = /context:\s*\d|ctrl-x: toggle mode/;
/**
 * First line of an answer, thinking or tool block: `● ` at column 1 (2.x) or `• ` at column 0
 * (kimi-cli). List items inside an answer are indented further and never match.
 */
const RESPONSE_RE = /^\s?[●•][\s\u00a0]+\S/u;
/** The activity line of a running turn: moon spinner (waiting, tools, retries), braille (thinking). */
const SPINNER_RE = /^\s*(?:[🌑🌒🌓🌔🌕🌖🌗🌘]|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏])(?:[\s\u00a0]|$)/u;
const COMPACTING_RE = /^\s?●?\s*Compacting context…/u;
/** `🌓 Retrying (5/10) · APIStatusError · in 5s`: HTTP 5xx retries, still busy. */
const RETRY_RE = /Retrying \(\d+\/\d+\)/;
/** `Error: [provider.api_error] 400 …` (2.x) and the older kimi-cli's error lines. */
const API_ERROR_RE = /^\s*Error: \[[\w.-]+\]/;
const LEGACY_ERROR_RE =
  /^(?:Error:|ERROR:|Traceback \(most recent call last\):|ConnectionError:|APIError:)/;
const ANY_ERROR_RE = new RegExp(`${API_ERROR_RE.source}|${LEGACY_ERROR_RE.source}`);
const INTERRUPTED_RE = /^\s*Interrupted by user\b/;
/** `Bye!` and `To resume this session: kimi -r session_…` after `/exit`. */
const EXITED_RE = /^\s*(?:To resume this session: kimi\b|Bye!\s*$)/;
/** Approval panel title: `▶ Run this command?`, `▶ Approve mcp__echo__echo_tool?`. */
const APPROVAL_RE = /^\s*▶\s+(?:Run this command\?|Approve\b.*\?\s*$)/u;
/** Footers of the panels and dialogs that replace the input box. */
const PANEL_FOOTER_RE =
  /^\s*(?:↑\/↓ select · |↑↓ select\b|↑↓ navigate · |↑\/↓ move · |Type feedback · ↵ submit)/u;
const TRUST_DIALOG_RE = /^\s*Trust this folder\?/;
const TRUST_OPTION_RE = /^\s*(?:❯\s*)?Trust this folder\s*$/u;
/** 2.x tool blocks (`● Ran a command · $ ls`, `● Used echo_tool · MCP/echo`); others are text. */
const TOOL_BLOCK_RE = /^\s?●[\s\u00a0]+(?:Ran|Running|Used|Using)\s/u;
/** 2.x's welcome panel (`│  Model: …`, `│  Version: 2.1.0`), shown above the first turn. */
const WELCOME_RE = /^\s*│\s+(?:Model|Version):\s/u;
/**
 * The AskUserQuestion widget (2.x, only outside --auto, which refuses the tool): a `question`
 * title, a tab bar (`Colour    Submit`), `? <question>`, options `→ [1] Red` (cursor `→`,
 * descriptions indented below) and the footer `↑↓ select  1-4 / ↵ choose  ←/→/tab switch`.
 */
const ASK_QUESTION_RE = /^\s*\?\s+(\S.*)$/u;
const ASK_OPTION_RE = /^\s*(?:→\s*)?\[(\d+)\]\s+(\S.*?)\s*$/u;
const ASK_FOOTER_RE = /^\s*↑↓ select\s+1-\d+ \/ ↵ choose\b/u;
/** Numbered choices of an approval or question panel; the cursor is `▶`. */
const OPTION_RE = /^\s*(?:▶\s*)?(\d+)\.\s+(\S.*)$/u;

interface InputArea {
  /** First line of the area (the box's prompt line, `── input ──`, or the legacy prompt). */
  top: number;
  /** Last line of the area. */
  bottom: number;
  /** What is typed in it, '' when empty. */
  text: string;
}

/** 2.x input box: `╭───╮`, `│ > text │`, `│   more │`, `╰───╯`. */
function findBox(lines: readonly string[]): InputArea | undefined {
  const prompt = lastIndexMatching(lines, /^\s*│ >(?:\s|$)/u);
  if (prompt < 1 || !/^\s*╭─/u.test(lines[prompt - 1] ?? '')) return undefined;
  let bottom = prompt + 1;
  while (bottom < lines.length && /^\s*│/u.test(lines[bottom] ?? '')) bottom++;
  if (!/^\s*╰─/u.test(lines[bottom] ?? '')) return undefined;
  // a box with transcript or a panel below it is an old frame left in the scrollback
  const stale = (l: string): boolean =>
    USER_RE.test(l) || RESPONSE_RE.test(l) || APPROVAL_RE.test(l) || PANEL_FOOTER_RE.test(l);
  if (lines.slice(bottom + 1).some(stale)) return undefined;
  const text = lines
    .slice(prompt, bottom)
    .map((l, i) =>
      l
        .replace(/^\s*│/u, '')
        .replace(/│\s*$/u, '')
        .replace(i === 0 ? /^ > ?/ : /^ {3}/, '')
        .replace(/\u00a0/g, ' ')
        .trimEnd(),
    )
    .join('\n')
    .trim();
  return { top: prompt - 1, bottom, text };
}

/** kimi-cli 1.x input area: `── input ───…`, the typed lines, a closing rule. */
function findInputRule(lines: readonly string[]): InputArea | undefined {
  const top = lastIndexMatching(lines, /^\s*──+ input ─{3,}/u);
  if (top < 0) return undefined;
  let bottom = top + 1;
  while (bottom < lines.length && !/^\s*─{20,}\s*$/u.test(lines[bottom] ?? '')) bottom++;
  const text = lines
    .slice(top + 1, bottom)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');
  return { top, bottom: Math.min(bottom, lines.length - 1), text };
}

/** The older kimi-cli's prompt line when nothing but its footer follows it. */
function findLegacyPrompt(lines: readonly string[]): InputArea | undefined {
  const at = lastIndexMatching(lines, LEGACY_PROMPT_RE);
  if (at < 0) return undefined;
  const after = lines.slice(at + 1).filter((l) => l.trim() !== '');
  if (after.length > 2 || !after.every((l) => FOOTER_RE.test(l))) return undefined;
  const text = (LEGACY_PROMPT_RE.exec(lines[at] ?? '')?.[1] ?? '').trim();
  return { top: at, bottom: at, text };
}

function inputArea(lines: readonly string[]): InputArea | undefined {
  return findBox(lines) ?? findInputRule(lines) ?? findLegacyPrompt(lines);
}

/** The input area's first line without the box's right border and padding. */
function boxLine(lines: readonly string[], area: InputArea): string {
  const l = lines[area.top] ?? '';
  return (/^\s*╭─/u.test(l) ? (lines[area.top + 1] ?? '') : l).replace(/\s*│\s*$/u, '');
}

const indentOf = (l: string): number => l.length - l.trimStart().length;

/**
 * The turn's activity line (moon or braille spinner): the last thing drawn above the input
 * area, followed only by blank lines or its own deeper-indented detail (`500 · …` under a
 * retry). In 2.x it sits at column 1 or 2, left of the answer text's column 3, so a spinner
 * line quoted inside an answer is never it.
 */
function activityLine(turn: readonly string[], boxed: boolean): number {
  const at = lastIndexMatching(turn, SPINNER_RE);
  if (at < 0) return -1;
  const indent = indentOf(turn[at] ?? '');
  if (boxed && indent > 2) return -1;
  const after = turn.slice(at + 1).filter((l) => l.trim() !== '');
  return after.every((l) => indentOf(l) > indent + 2) ? at : -1;
}

/**
 * Whether line `at` of the turn is part of a text answer block (`● text` and its lines indented
 * under it), where quoted error or interrupt wording is transcript, not Kimi's own banner. Tool
 * blocks (`● Ran a command`) are not text: an API error after a tool's output is the outcome.
 */
function inTextBlock(turn: readonly string[], at: number): boolean {
  const own = indentOf(turn[at] ?? '');
  for (let i = at - 1; i >= 0; i--) {
    const l = turn[i] ?? '';
    if (l.trim() === '' || indentOf(l) >= own) continue;
    return RESPONSE_RE.test(l) && !TOOL_BLOCK_RE.test(l);
  }
  return false;
}

/**
 * In a styled screen (`capture-pane -e`), whether Kimi drew line `at` itself: its first
 * character has a foreground colour (Kimi paints its error banner, 38;5;210), where an answer's
 * text is in the default colour. Undefined for a plain-text screen (the text rules decide).
 */
function drawnInColour(styled: readonly string[] | undefined, at: number): boolean | undefined {
  if (!styled) return undefined;
  return leadingForeground(styled[at] ?? '') !== '';
}

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  return { status: 'waiting_user_answer', rule, evidence: evidence(...lines) };
}

/**
 * The AskUserQuestion widget at the end of `lines`: the question (wrapped lines joined) and the
 * options in screen order; only with its footer as the last line below them.
 */
function askWidget(lines: readonly string[]): { text: string; options: string[] } | undefined {
  const footer = lastIndexMatching(lines, ASK_FOOTER_RE);
  // below it only Kimi's status lines: no transcript, no input box
  const below = (l: string): boolean =>
    USER_RE.test(l) || RESPONSE_RE.test(l) || /^\s*[╭│╰]/u.test(l);
  if (footer < 0 || lines.slice(footer + 1).some(below)) return undefined;
  const at = lastIndexMatching(lines, ASK_QUESTION_RE, footer);
  if (at < 0) return undefined;
  const text: string[] = [ASK_QUESTION_RE.exec(lines[at] ?? '')?.[1] ?? ''];
  const options: string[] = [];
  for (const l of lines.slice(at + 1, footer)) {
    const m = ASK_OPTION_RE.exec(l);
    if (m) {
      if (Number(m[1]) === options.length + 1) options.push(m[2] ?? '');
    } else if (options.length === 0 && l.trim() !== '') text.push(l.trim());
  }
  return options.length > 0 ? { text: text.join(' ').trim(), options } : undefined;
}

/** A dialog or panel drawn in place of the input box, searched from `from` on. */
function dialog(lines: readonly string[], from: number): Detection | undefined {
  const region = lines.slice(Math.max(0, from));
  const find = (re: RegExp): string | undefined => region.findLast((l) => re.test(l));
  const trust = find(TRUST_DIALOG_RE);
  if (trust) return waiting('trust-folder-dialog', trust, find(/^\s*❯/u));
  const approval = find(APPROVAL_RE);
  if (approval) return waiting('permission-prompt', approval, find(/^\s*▶\s*1\./u));
  const ask = askWidget(region);
  if (ask) {
    const options = ask.options.map((o, i) => `${i + 1}. ${o}`).join('  ');
    return { ...waiting('ask-user-question', ask.text, options), question: ask };
  }
  const footer = find(PANEL_FOOTER_RE);
  if (footer) return waiting('choice-dialog', footer);
  return undefined;
}

function detect(screen: string): Detection {
  const lines = screenLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;

  const area = inputArea(lines);
  const exited = lastIndexMatching(lines, EXITED_RE);
  if (exited >= 0 && exited > (area?.bottom ?? lines.length - 26)) {
    return { status: 'error', rule: 'cli-exited', evidence: evidence(lines[exited]) };
  }

  const end = area ? area.top : lines.length;
  const userIdx = lastIndexMatching(lines, USER_RE, end - 1);
  const userLine = userIdx >= 0 ? lines[userIdx] : undefined;

  if (!area) {
    // approval panels and dialogs replace the input box
    const shown = dialog(lines, Math.max(userIdx, lines.length - 40));
    if (shown) return shown;
    if (userIdx >= 0) {
      // the older kimi-cli draws no prompt while a turn runs
      const turn = lines.slice(userIdx + 1);
      const error = turn.findLast((l) => ANY_ERROR_RE.test(l));
      if (error) return { status: 'error', rule: 'api-error', evidence: evidence(error) };
      const spinner = turn.findLast((l) => SPINNER_RE.test(l));
      return {
        status: 'processing',
        rule: spinner ? 'spinner' : 'no-prompt',
        evidence: evidence(spinner ?? userLine),
      };
    }
    return { status: 'unknown', rule: 'no-input-box', evidence: evidence(lines.at(-1)) };
  }

  const turnStart = userIdx + 1;
  const turn = lines.slice(turnStart, end);
  const boxed = /^\s*╭─/u.test(lines[area.top] ?? '');
  const spinner = activityLine(turn, boxed);
  if (spinner >= 0) {
    const line = turn[spinner] ?? '';
    return {
      status: 'processing',
      rule: RETRY_RE.test(line) ? 'api-retrying' : 'spinner',
      evidence: evidence(line),
    };
  }
  const compacting = turn.findLast((l) => COMPACTING_RE.test(l));
  if (compacting)
    return { status: 'processing', rule: 'compacting', evidence: evidence(compacting) };

  if (area.text !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(boxLine(lines, area)) };
  }
  const lastResponse = lastIndexMatching(turn, RESPONSE_RE);
  // Kimi's own error and interrupt lines, not the same words quoted in an answer: by colour in
  // a styled screen, else by position (outside any text answer block)
  const styled = styledLines(screen);
  const own = (i: number): boolean =>
    drawnInColour(styled, turnStart + i) ?? !(boxed && inTextBlock(turn, i));
  const lastOwn = (re: RegExp): number => {
    for (let i = turn.length - 1; i >= 0; i--) if (re.test(turn[i] ?? '') && own(i)) return i;
    return -1;
  };
  const lastError = lastOwn(ANY_ERROR_RE);
  const interrupted = lastOwn(INTERRUPTED_RE);
  if (userIdx < 0 && boxed && !lines.slice(0, area.top).some((l) => WELCOME_RE.test(l))) {
    // no user message and no welcome panel above the box: a long reply pushed both out of
    // the lines read. Answered and the box is empty: completed, unless more history says else
    const shown = turn.findLast((l) => l.trim() !== '');
    if (shown !== undefined) {
      return {
        status: 'completed',
        rule: 'long-reply',
        evidence: evidence(shown),
        needsHistory: true,
      };
    }
  }
  if (userIdx < 0 && lastResponse < 0 && lastError < 0) {
    return { status: 'idle', rule: 'empty-prompt', evidence: evidence(boxLine(lines, area)) };
  }
  if (interrupted > lastResponse && interrupted > lastError) {
    return { status: 'idle', rule: 'interrupted', evidence: evidence(turn[interrupted]) };
  }
  if (lastError > lastResponse) {
    return { status: 'error', rule: 'api-error', evidence: evidence(turn[lastError]) };
  }
  if (lastResponse < 0) {
    return { status: 'processing', rule: 'awaiting-response', evidence: evidence(userLine) };
  }
  return { status: 'completed', rule: 'response', evidence: evidence(turn[lastResponse]) };
}

function startupKeys(screen: string): string[] | undefined {
  const lines = screenLines(screen);
  if (inputArea(lines)) return undefined;
  const tail = lines.slice(-30);
  // "Trust this folder?" (first start in a folder): "❯ Trust this folder" / "Don't trust"
  // (which exits). Trusting is what lets Kimi start at all; it is remembered per folder.
  if (tail.some((l) => TRUST_DIALOG_RE.test(l))) return trustKeys(tail, true);
  return undefined;
}

/**
 * Keys for the trust dialog's two options. Each option has a description line under it, so
 * the cursor moves one option (not one line) per key.
 */
function trustKeys(lines: readonly string[], trust: boolean): string[] | undefined {
  const cursor = lines.findLast((l) => /^\s*❯\s*\S/u.test(l));
  if (cursor === undefined) return undefined;
  const onTrust = TRUST_OPTION_RE.test(cursor);
  if (onTrust === trust) return ['Enter'];
  return [trust ? 'Up' : 'Down', 'Enter'];
}

/**
 * Approval and question panels take the option's number directly (`1/2/3/4 choose`), no
 * Enter; the AskUserQuestion widget also an option's text, then Enter on its review. "yes" is the first Approve/Allow/Yes option, "no" the first Reject/Deny/No one.
 */
function answerKeys(screen: string, answer: string): string[] | undefined {
  const lines = screenLines(screen).slice(-30);
  const a = answer.trim().toLowerCase();
  // the question widget: an option's digit, by its number or its text; anything else refused
  const ask = askWidget(lines);
  if (ask) {
    const goal = optionIndex(ask.options, answer);
    if (goal === undefined) throw noSuchOption(ask.options, answer);
    // the digit picks the option and opens a review ("Ready to submit your answers?" → [1]
    // Submit, under the cursor): Enter submits it
    return [String(goal + 1), 'Enter'];
  }
  const options = new Map<string, string>();
  for (const l of lines) {
    const m = OPTION_RE.exec(l);
    if (m?.[1] && m[2] && !options.has(m[1])) options.set(m[1], m[2]);
  }
  const pick = (re: RegExp): string[] | undefined => {
    for (const [n, label] of options) if (re.test(label)) return [n];
    return undefined;
  };
  if (options.size > 0) {
    if (/^\d+$/.test(a)) return options.has(a) ? [a] : undefined;
    if (a === 'y' || a === 'yes') return pick(/^(?:Approve|Allow|Yes)\b/i);
    if (a === 'n' || a === 'no') return pick(/^(?:Reject|Deny|No)\b/i) ?? ['Escape'];
    return undefined;
  }
  if (lines.some((l) => TRUST_DIALOG_RE.test(l))) {
    if (a === 'y' || a === 'yes' || a === '1') return trustKeys(lines, true);
    if (a === 'n' || a === 'no' || a === '2') return trustKeys(lines, false);
  }
  return undefined;
}

function inputText(screen: string): string | undefined {
  return inputArea(screenLines(screen))?.text;
}

/** A line that ends an answer block (the next block, the input area, an activity line). */
const BLOCK_END_RE = /^\s?[╭╰]─|^\s*──+ input|^\s*─{20,}\s*$|^\s*▶\s/u;

function lastMessage(history: string): string | undefined {
  const lines = screenLines(history);
  const area = inputArea(lines);
  let end = area ? area.top : lines.length;
  const exited = lastIndexMatching(lines, EXITED_RE, end - 1);
  if (!area && exited >= 0) end = exited;
  const userIdx = lastIndexMatching(lines, USER_RE, end - 1);
  const start = lastIndexMatching(lines.slice(0, end), RESPONSE_RE);
  if (start < 0 && userIdx < 0 && area && /^\s*╭─/u.test(lines[area.top] ?? '')) {
    // the block's first line scrolled out of the terminal's history: say so, keep the rest
    const kept = lines.slice(0, end).map((l) => l.replace(/^ {3}/, '').replace(/\u00a0/g, ' '));
    const text = kept.join('\n').trim();
    return text === '' ? undefined : `${CUT_NOTE}\n${text}`;
  }
  if (start <= userIdx) {
    // a failed turn: report the error line
    const error = lines.slice(userIdx + 1, end).findLast((l) => ANY_ERROR_RE.test(l));
    return error?.trim();
  }
  const first = lines[start] ?? '';
  // the block's text starts two columns right of its bullet; so do its further lines
  const pad = ' '.repeat(first.length - first.trimStart().length + 2);
  const rest: string[] = [];
  for (let i = start + 1; i < end; i++) {
    const l = lines[i] ?? '';
    if (RESPONSE_RE.test(l) || USER_RE.test(l) || LEGACY_PROMPT_RE.test(l)) break;
    // (in 2.x, the same glyphs in the block's text column are quoted text)
    const inColumn = pad.length > 2 && l.startsWith(pad);
    if (!inColumn && (BLOCK_END_RE.test(l) || SPINNER_RE.test(l))) break;
    // 2.x: a non-blank line left of the block's text column ends the block
    if (pad.length > 2 && l.trim() !== '' && !l.startsWith(pad)) break;
    rest.push(l);
  }
  // the older kimi-cli does not indent a block's further lines (code starts at column 0)
  const indented = rest.every((l) => l.trim() === '' || l.startsWith(pad));
  const body = rest.map((l) => (indented ? l.slice(pad.length) : l));
  const head = first.replace(/^\s?[●•][\s\u00a0]+/u, '');
  const text = [head, ...body]
    .join('\n')
    .replace(/\u00a0/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/**
 * CAO tool vocabulary → Kimi Code's built-in tools (2.1.0's default `agent` profile). Denied
 * tools go in the agent file's `disallowedTools`.
 */
const TOOL_MAP: ToolMap = {
  execute_bash: ['Bash', 'TaskList', 'TaskOutput', 'TaskStop', 'Agent', 'AgentSwarm'],
  fs_read: ['Read', 'ReadMediaFile'],
  fs_write: ['Write', 'Edit'],
  fs_list: ['Glob', 'Grep'],
  web_fetch: ['WebSearch', 'FetchURL'],
};

/** Kimi's native tools to deny for a restricted CAO tool list; none when unrestricted. */
export function kimiDisallowedTools(allowed: string[] | null): string[] {
  return deniedTools(allowed, TOOL_MAP);
}

/** Kimi agent names are kebab-case (`^[a-z0-9]+(?:-[a-z0-9]+)*$`). */
function agentName(profile: string): string {
  const slug = profile
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'cao-agent' : `cao-${slug}`;
}

/**
 * The per-terminal agent file: front matter (JSON strings are valid YAML scalars) and a prompt
 * template. `${base_prompt}` is Kimi's own system prompt; Kimi also fills its other template
 * variables (`${cwd}`, `${os}`, …) if the profile's prompt happens to contain them.
 */
function agentFile(ctx: LaunchContext, denied: string[]): string {
  const p = ctx.profile;
  const front = [
    '---',
    `name: ${agentName(p.name)}`,
    `description: ${JSON.stringify(p.description.trim() || `CAO agent profile ${p.name}`)}`,
    ...(denied.length > 0 ? [`disallowedTools: ${JSON.stringify(denied)}`] : []),
    '---',
  ];
  const body = ['${base_prompt}', ...(p.systemPrompt.trim() ? ['', p.systemPrompt.trim()] : [])];
  return `${[...front, ...body].join('\n')}\n`;
}

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['kimi'];
  if (ctx.yolo) argv.push('--auto');
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  const files: LaunchFile[] = [];
  const denied = kimiDisallowedTools(ctx.allowedTools);
  if (ctx.profile.systemPrompt.trim() !== '' || denied.length > 0) {
    const path = join(ctx.tmpDir, `${ctx.terminalId}.kimi-agent.md`);
    files.push({ path, content: agentFile(ctx, denied) });
    argv.push('--agent-file', path);
  }
  // an auto-update re-executes the CLI mid-session; cao-launched agents stay on their version
  const env: Record<string, string> = { KIMI_CODE_NO_AUTO_UPDATE: '1' };
  const http = Object.entries(ctx.mcpServers).filter((e): e is [string, McpHttpServer] =>
    isHttpMcp(e[1]),
  );
  if (http.length === 0) return { argv, env, files };
  const source = kimiHome(ctx.env, ctx.home);
  const dir = join(ctx.tmpDir, KIMI_OVERLAY_DIR);
  for (const [, s] of http) if (s.bearer) env[s.bearer.env] = s.bearer.token;
  env['KIMI_CODE_HOME'] = dir;
  const home: HomeOverlay = {
    source,
    dir,
    ensureDirs: ['sessions', 'logs', 'credentials', 'cache', 'telemetry'],
    // Kimi appends each session to it; the session-log reader reads the user's
    ensureFiles: ['session_index.jsonl'],
    replace: { 'mcp.json': (existing) => overlayMcpJson(existing, http, join(source, 'mcp.json')) },
  };
  return { argv, env, files, home };
}

/** The user's Kimi home as Kimi itself finds it (`$KIMI_CODE_HOME`, else `~/.kimi-code`), on
 *  the host where it runs (`userHome`: that user's home). */
function kimiHome(env: Readonly<Record<string, string>>, userHome: string): string {
  const own = env['KIMI_CODE_HOME']?.trim();
  if (own) return own;
  const home = userHome.trim() || env['HOME']?.trim();
  if (!home) {
    throw new CaoError(
      'INVALID_INPUT',
      "cao cannot find Kimi Code's home: neither KIMI_CODE_HOME nor HOME is set in cao-server's environment. Start cao-server with HOME set, or set CAO_MCP_TRANSPORT=stdio.",
    );
  }
  return join(home, '.kimi-code');
}

/**
 * The stand-in home's mcp.json: the user's servers (their stdio `cao-mcp-server` bridge left
 * out) and cao's over HTTP, whose token Kimi reads from its environment (`bearerTokenEnvVar`):
 * no secret in the file.
 */
function overlayMcpJson(
  existing: string | undefined,
  http: readonly [string, McpHttpServer][],
  path: string,
): string {
  const doc = parseMcpJson(
    existing,
    path,
    'Fix or move that file, or set CAO_MCP_TRANSPORT=stdio.',
  );
  const mcpServers: Record<string, unknown> = {};
  const own = isRecord(doc['mcpServers']) ? doc['mcpServers'] : {};
  for (const [name, s] of Object.entries(own)) {
    const command = isRecord(s) && typeof s['command'] === 'string' ? s['command'] : '';
    if (name === 'cao-mcp-server' || /(?:^|\/)cao-mcp-server$/.test(command)) continue;
    mcpServers[name] = s;
  }
  for (const [name, s] of http) {
    mcpServers[name] = {
      url: s.url,
      ...(Object.keys(s.headers).length > 0 ? { headers: s.headers } : {}),
      ...(s.bearer ? { bearerTokenEnvVar: s.bearer.env } : {}),
      toolTimeoutMs: CAO_MCP_TOOL_TIMEOUT_MS,
    };
  }
  return `${JSON.stringify({ ...doc, mcpServers }, null, 2)}\n`;
}

/** An mcp.json's document ({} when absent or empty); a clear error when it is not an object. */
function parseMcpJson(
  text: string | undefined,
  path: string,
  fix: string,
): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw new CaoError(
      'INVALID_INPUT',
      `${path} is not a JSON object, so cao cannot add its MCP servers to it. ${fix}`,
    );
  }
  return parsed;
}

/** Set per terminal from the agent's environment, never in a shared config file. */
const TERMINAL_ENV = new Set(['CAO_TERMINAL_ID', 'CAO_API_URL']);
/** `handoff` blocks until the worker finishes; Kimi's default MCP tool timeout is 60 s. */
const CAO_MCP_TOOL_TIMEOUT_MS = 1_200_000;

/** Adds the profile's MCP servers to `~/.kimi-code/mcp.json`, keeping everything else in it. */
function installFiles(ctx: InstallContext): LaunchFile[] {
  const servers = Object.entries(ctx.profile.mcpServers);
  if (servers.length === 0) return [];
  const path = join(ctx.home, '.kimi-code', 'mcp.json');
  const doc = parseMcpJson(
    ctx.readFile(path),
    path,
    'Fix or move that file, then run cao install again.',
  );
  const mcpServers: Record<string, unknown> = isRecord(doc['mcpServers'])
    ? { ...doc['mcpServers'] }
    : {};
  for (const [name, s] of servers) {
    const isCao = name === 'cao-mcp-server' || /(?:^|\/)cao-mcp-server$/.test(s.command);
    mcpServers[name] = {
      command: s.command,
      args: s.args,
      env: Object.fromEntries(Object.entries(s.env).filter(([k]) => !TERMINAL_ENV.has(k))),
      ...(isCao ? { toolTimeoutMs: CAO_MCP_TOOL_TIMEOUT_MS } : {}),
    };
  }
  return [{ path, content: `${JSON.stringify({ ...doc, mcpServers }, null, 2)}\n` }];
}

/**
 * `--session ID` (the `session_…` id cao took from Kimi's session index, logs/kimi.ts), else
 * `--continue` (the folder's latest). Kimi refuses `--agent`/`--agent-file` with either: the
 * session keeps the agent it was started with.
 */
function resumeArgs(argv: readonly string[], id: string | null): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--agent-file' || argv[i] === '--agent') i++;
    else out.push(argv[i]!);
  }
  return [...out, ...(id ? ['--session', id] : ['--continue'])];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const kimiCli: Provider = {
  id: 'kimi_cli',
  label: 'Kimi Code CLI',
  binary: 'kimi',
  installHint: 'npm install -g @moonshot-ai/kimi-code (needs Node >= 22.19)',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  launch,
  detect,
  styled: true,
  startupKeys,
  inputText,
  lastMessage,
  answerKeys,
  installFiles,
  exit: { text: '/exit' },
  resumeArgs,
};
