/**
 * OpenAI Codex CLI (`codex`). Screen reader for its inline TUI (run with `--no-alt-screen`, so
 * the transcript stays in tmux's scrollback): user messages `› text` at column 0, history cells
 * that start with a glyph at column 0 (`• answer or tool call`, `◦`/`•` busy line, `■ error or
 * interruption`, `✔`/`✗` approval outcome) with indented continuation lines, `Worked for 7s`
 * after a finished turn, then the composer (`› text`, or its dimmed placeholder) with a status
 * line and a footer below it. Approval prompts replace the composer. Verified against Codex
 * 0.169.0 (../shared/agent-clis captures and testdata/codex) and the original CAO's fixtures
 * (0.142–0.149 and older line-mode screens).
 *
 * Longer than most providers (about 540 lines) because Codex has the most screen variants to
 * tell apart: three composer glyphs, legacy line-mode screens and modals, 0.147+ approval
 * menus, the request_user_input question widget, update and trust dialogs. Its command line
 * and TOML config are built in codex-launch.ts.
 *
 * Over 500 lines by design: one provider is one file of pure functions over Codex's screen
 * text (detection, answer extraction, keys, launch and install files), as every provider is.
 */
import { handoffPrefix, launch } from './codex-launch.js';
import type { Detection, Provider } from './provider.js';
import {
  PANE_DEAD_RE,
  blankOrDeadPane,
  evidence,
  lastIndexMatching,
  noSuchOption,
  optionIndex,
  screenLines,
} from './screen.js';

/** A prompt glyph at column 0: `›` (0.1xx), `»` (0.149 composer), `❯` (older line mode). */
const PROMPT_RE = /^[›»❯](?:[\s\u00a0]|$)/u;
const LEGACY_USER_RE = /^You\s+\S/;
/** A numbered menu option, with or without the `›` selection cursor. */
const OPTION_RE = /^\s*(?:[›❯]\s*)?(\d+)\.\s+(\S.*)$/u;
/** Column-0 glyphs that open a history cell. */
const CELL_RE = /^[•◦■✔✗⚠]\s/u;
/** Older line-mode answers: `assistant: text`. */
const LEGACY_ANSWER_RE = /^(?:assistant|codex|agent)\s*:\s?/i;
/** The busy line: `◦ Working (2s • esc to interrupt)`, `◦ Reconnecting... 2/5 (7s • esc …)`. */
const BUSY_RE = /^\s*[•◦·]\s.*\besc to interrupt\b/u;
/** The line a finished turn leaves: `  Worked for 7s • 21:13`, `Worked for <1s`, `1m 02s`. */
const WORKED_RE = /^\s*(?:─+\s*)?Worked for\s+<?\s*\d/u;
const INTERRUPTED_RE = /^■\s+Conversation interrupted\b/u;
/**
 * Tool activity cells, not answers: `• Ran cmd`, `• Called server.tool(…)`, `• Edited f (+1 -1)`.
 * They count as activity only with their tree/diff lines below (see `isActivity`), so an answer
 * that starts with "Read" is still an answer.
 */
const ACTIVITY_VERB_RE =
  /^[•◦]\s+(?:Ran|Running|Called|Calling|Edited|Editing|Explored|Exploring|Read|Reading|Searched|Searching|Listed|Listing|Deleted|Deleting|Added|Adding|Updated|Updating|Waited|Waiting|Viewed|Wrote|Applied|Applying|Created|Creating)\b/u;
/** `• Called shell.exec({…})`: an MCP call line, never an answer (original CAO). */
const MCP_CALL_RE = /^[•◦]\s+Call(?:ed|ing)\s+[\w-]+\.[\w-]+\b/u;
/** Placeholders the composer shows when empty (dimmed; plain text in a capture). */
const PLACEHOLDERS = new Set([
  'Ask Codex to do anything',
  'Explain this codebase',
  'Summarize recent commits',
  'Implement {feature}',
  'Find and fix a bug in @filename',
  'Write tests for @filename',
  'Improve documentation in @filename',
  'Run /review on my current changes',
  'Use /skills to list available skills',
]);

/** Approval prompts (0.147+ menus, the MCP tool prompt, the legacy modal and y/n line). */
const APPROVAL_RE =
  /Would you like to (?:run the following command|make the following edits|grant these permissions)\?|Do you want to approve network access to|\bAllow the \S+ MCP server to run tool\b/;
const LEGACY_MODAL_RE = /Command Approval Required/;
const LEGACY_MODAL_KEYS_RE = /\[[aA]\]\s+Accept\b|\[[dD]\]\s+Decline\b/;
const LEGACY_YES_NO_RE = /^(?:Approve|Allow)\b.*\b(?:y\/n|yes\/no|yes|no)\b/i;
/** First start in a git folder: 0.169 "Trust this folder?", 0.1xx v2 and v1 wordings. */
const TRUST_RE =
  /Trust this folder\?|Do you trust the contents of this directory\?|allow Codex to work in this folder/;
const TRUST_YES_RE = /^(?:Trust and continue|Yes, continue|Yes, allow)\b/;
const UPDATE_RE = /Update available!/;
const LOGIN_RE = /Sign in with ChatGPT/;
/** Footers of choice dialogs. */
const CHOICE_FOOTER_RE =
  /Press enter to (?:confirm|continue)|enter to submit \| esc to cancel|enter continue · esc back/;
/** Older line-mode screens without a composer. */
const LEGACY_ERROR_RE = /^(?:Error:|ERROR:|Traceback \(most recent call last\):|panic:)/;
const LEGACY_BUSY_RE = /\b(?:thinking|working|running|executing|processing|analyzing)\b/i;
/** What Codex prints when it exits (with and without the app-server daemon). */
const EXITED_RE =
  /^(?:To continue this session, run\b|To reconnect, run:|Disconnected from this task\.|Token usage:)/;

/** The status line and footer below the composer (original CAO's TUI_FOOTER_PATTERN). */
/** The session banner (`>_ OpenAI Codex (v0.169.0)`). */
const BANNER_RE = />_ OpenAI Codex\b/;
const FOOTER_RE = /\?\s+for shortcuts|context left|\d+%\s+left|·\s+[~/]/;

/** The request_user_input widget's footer (`tab to add notes | enter to submit answer | esc to
 *  interrupt`, `… | enter to submit all | …`): the last line on the screen while it waits. */
const QUESTION_FOOTER_RE = /\benter to submit (?:answer|all)\b/;
/** Its header above the question: `Question 1/2 (2 unanswered)`. */
const QUESTION_HEADER_RE = /^\s*Question \d+\/\d+\b/;

interface QuestionWidget {
  text: string;
  options: string[];
  /** Option index (0-based) under the `›` cursor. */
  cursor: number;
  footer: string;
}

/**
 * Codex's request_user_input widget: `Question 1/1`, the question, numbered options (label,
 * then its description after a run of spaces; Codex adds "None of the above"), and the footer
 * as the screen's last line, which is what tells it from an answer that quotes it.
 */
function questionWidget(lines: readonly string[]): QuestionWidget | undefined {
  const footer = lines.at(-1) ?? '';
  if (!QUESTION_FOOTER_RE.test(footer)) return undefined;
  const header = lastIndexMatching(lines, QUESTION_HEADER_RE);
  if (header < 0 || lines.length - header > 40) return undefined;
  const options: string[] = [];
  let cursor = 0;
  let first = -1;
  for (let i = header + 1; i < lines.length - 1; i++) {
    const m = OPTION_RE.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2] || Number(m[1]) !== options.length + 1) continue;
    if (first < 0) first = i;
    if (/^\s*[›❯]/u.test(lines[i] ?? '')) cursor = options.length;
    options.push((m[2].split(/\s{2,}/)[0] ?? '').trim());
  }
  if (options.length < 2) return undefined;
  const text = lines
    .slice(header + 1, first)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
  return { text, options, cursor, footer };
}

const isOption = (line: string | undefined): boolean => OPTION_RE.test(line ?? '');

/** The text after a column-0 prompt glyph. */
const promptText = (line: string): string =>
  line
    .replace(/^[›»❯][\s\u00a0]?/u, '')
    .replace(/\u00a0/g, ' ')
    .trim();

/**
 * A `› 1. Yes` line is a menu cursor, not a prompt, when the next or previous option follows
 * directly (past the wrapped rest of a long option), so a message such as "› 1. fix it" below an
 * answer's numbered list is still a message.
 */
function isMenuCursor(lines: readonly string[], i: number): boolean {
  if (!/^[›❯]\s*\d+\.\s/u.test(lines[i] ?? '')) return false;
  const sibling = (step: number): boolean => {
    let j = i + step;
    while (/^\s+\S/.test(lines[j] ?? '') && !isOption(lines[j])) j += step;
    return /^\s+\d+\.\s+\S/.test(lines[j] ?? '');
  };
  return sibling(1) || sibling(-1);
}

/** A user message line (not a menu cursor, not a stale composer placeholder left in scrollback). */
function isUserLine(lines: readonly string[], i: number): boolean {
  const l = lines[i] ?? '';
  if (LEGACY_USER_RE.test(l)) return true;
  if (!PROMPT_RE.test(l) || isMenuCursor(lines, i)) return false;
  const text = promptText(l);
  return text !== '' && !PLACEHOLDERS.has(text);
}

/** The last prompt-glyph line that is not a menu cursor: the composer or the latest message. */
function lastPrompt(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (PROMPT_RE.test(lines[i] ?? '') && !isMenuCursor(lines, i)) return i;
  }
  return -1;
}

/**
 * The composer: the last prompt line, when only its continuation, the status line and the
 * footer (indented or blank) follow it. Otherwise that line is a message and something else
 * (a dialog, a running tool) owns the bottom of the screen.
 */
function findComposer(lines: readonly string[]): number {
  const p = lastPrompt(lines);
  if (p < 0) return -1;
  let shown = 0;
  for (let i = p + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l === '') continue;
    if (!/^\s/.test(l) || BUSY_RE.test(l) || APPROVAL_RE.test(l) || CHOICE_FOOTER_RE.test(l)) {
      return -1;
    }
    if (++shown > 20) return -1;
  }
  return p;
}

/** The composer's text: its first line and the lines down to a blank line or the footer. */
function composerText(lines: readonly string[], c: number): string {
  const out = [promptText(lines[c] ?? '')];
  for (let i = c + 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l === '' || FOOTER_RE.test(l)) break;
    out.push(l.trim());
  }
  const text = out.join('\n').trim();
  return PLACEHOLDERS.has(text) ? '' : text;
}

function lastUserLine(lines: readonly string[], before: number): number {
  for (let i = Math.min(before, lines.length) - 1; i >= 0; i--) {
    if (isUserLine(lines, i)) return i;
  }
  return -1;
}

interface Cell {
  /** Index of the cell's first line in the screen. */
  start: number;
  lines: string[];
  /** An `assistant:` answer of the old line mode, whose lines are not indented. */
  legacy: boolean;
}

/** A line that ends the current history cell without starting a new one. */
const endsCell = (l: string): boolean =>
  WORKED_RE.test(l) ||
  EXITED_RE.test(l) ||
  PANE_DEAD_RE.test(l) ||
  APPROVAL_RE.test(l) ||
  CHOICE_FOOTER_RE.test(l);

/**
 * History cells between two screen indexes (exclusive). A cell's continuation lines are
 * indented; an unindented line (a dialog box, chrome) or two blank lines in a row end it.
 */
function cellsBetween(lines: readonly string[], from: number, to: number): Cell[] {
  const cells: Cell[] = [];
  let cur: Cell | undefined;
  let blanks = 0;
  for (let i = from + 1; i < to; i++) {
    const l = lines[i] ?? '';
    if (CELL_RE.test(l) || LEGACY_ANSWER_RE.test(l)) {
      cur = { start: i, lines: [l], legacy: LEGACY_ANSWER_RE.test(l) };
      cells.push(cur);
    } else if (endsCell(l) || isUserLine(lines, i)) {
      cur = undefined;
    } else if (cur && !cur.legacy && (/^\S/.test(l) || (l === '' && ++blanks >= 2))) {
      cur = undefined;
    } else if (cur) {
      cur.lines.push(l);
    }
    if (l !== '') blanks = 0;
  }
  return cells;
}

/** A tool call cell: an activity verb with its `└` tree or an indented diff/details below. */
function isActivity(cell: Cell): boolean {
  const first = cell.lines[0] ?? '';
  if (MCP_CALL_RE.test(first)) return true;
  if (!ACTIVITY_VERB_RE.test(first)) return false;
  const next = cell.lines.slice(1).find((l) => l.trim() !== '');
  // a running call (`• Running cmd`) has nothing below it yet; a finished one has its output
  if (next === undefined) return /^[•◦]\s+\S+ing\b/u.test(first);
  return /^\s+[└│]/u.test(next) || /^\s{4,}\S/.test(next);
}

const isAnswer = (cell: Cell): boolean => {
  const first = cell.lines[0] ?? '';
  if (LEGACY_ANSWER_RE.test(first)) return true;
  return /^•\s/u.test(first) && !BUSY_RE.test(first) && !isActivity(cell);
};

function detect(screen: string): Detection {
  const lines = screenLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;

  // the widget replaces the composer, but the message above it looks like one
  const ask = questionWidget(lines);
  if (ask) {
    return {
      status: 'waiting_user_answer',
      rule: 'request-user-input',
      evidence: evidence(ask.text, ask.footer),
      question: { text: ask.text, options: ask.options },
    };
  }

  const composer = findComposer(lines);
  const exited = lastIndexMatching(lines, EXITED_RE);
  if (exited > composer) {
    const resume = lines.slice(exited).find((l) => /codex resume\b/.test(l));
    return { status: 'error', rule: 'cli-exited', evidence: evidence(lines[exited], resume) };
  }
  if (composer < 0) return detectWithoutComposer(lines);

  const userIdx = lastUserLine(lines, composer);
  const turn = lines.slice(userIdx + 1, composer);
  const busy = lastIndexMatching(turn, BUSY_RE);
  const worked = lastIndexMatching(turn, WORKED_RE);
  if (busy >= 0 && busy > worked) {
    const retry = /Reconnecting\b/.test(turn[busy] ?? '');
    return {
      status: 'processing',
      rule: retry ? 'api-retrying' : 'busy-esc-to-interrupt',
      evidence: evidence(turn[busy]),
    };
  }
  const typed = composerText(lines, composer);
  if (typed !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(lines[composer]) };
  }
  if (userIdx < 0 && worked >= 0 && !lines.slice(0, composer).some((l) => BANNER_RE.test(l))) {
    // a turn's end mark but neither the user's message nor the banner in the lines read: a
    // long reply pushed them out above; the tracker reads the whole history (Codex keeps it)
    return {
      status: 'completed',
      rule: 'long-reply',
      evidence: evidence(turn[worked]),
      needsHistory: true,
    };
  }
  if (userIdx < 0) {
    return { status: 'idle', rule: 'empty-prompt', evidence: evidence(lines[composer]) };
  }

  const cells = cellsBetween(lines, userIdx, composer);
  const last = cells.at(-1);
  const workedAt = worked >= 0 ? userIdx + 1 + worked : -1;
  if (last && last.start > workedAt && /^■\s/u.test(last.lines[0] ?? '')) {
    return INTERRUPTED_RE.test(last.lines[0] ?? '')
      ? { status: 'idle', rule: 'interrupted', evidence: evidence(last.lines[0]) }
      : { status: 'error', rule: 'turn-error', evidence: evidence(last.lines[0]) };
  }
  if (workedAt >= 0) {
    return { status: 'completed', rule: 'worked-for', evidence: evidence(lines[workedAt]) };
  }
  if (last && isAnswer(last)) {
    // no `Worked for` yet: a reply still streaming looks the same (no busy line while it does)
    return {
      status: 'completed',
      rule: 'response',
      evidence: evidence(last.lines[0]),
      tentative: true,
    };
  }
  if (last) {
    return { status: 'processing', rule: 'tool-activity', evidence: evidence(last.lines[0]) };
  }
  return { status: 'processing', rule: 'awaiting-response', evidence: evidence(lines[userIdx]) };
}

/** No composer on screen: a dialog, a line-mode screen of an old release, or a busy line. */
function detectWithoutComposer(lines: readonly string[]): Detection {
  const userIdx = lastUserLine(lines, lines.length);
  // A dialog counts only below the latest message: one quoted in an answer or left in the
  // scrollback sits above it (or above the composer, which the caller checked first).
  const live = lines.slice(Math.max(userIdx + 1, lines.length - 60));
  const find = (re: RegExp): string | undefined => live.find((l) => re.test(l));
  const trust = find(TRUST_RE);
  if (trust) return waiting('trust-folder-dialog', trust);
  const update = find(UPDATE_RE);
  if (update && live.some((l) => /\bSkip\b/.test(l))) return waiting('update-dialog', update);
  const approval = find(APPROVAL_RE);
  if (approval) {
    const cursor = live.find((l) => /^\s*›/u.test(l));
    return waiting('approval-prompt', approval, cursor);
  }
  const modal = find(LEGACY_MODAL_RE);
  if (modal && live.some((l) => LEGACY_MODAL_KEYS_RE.test(l))) {
    return waiting('approval-modal', modal, find(LEGACY_MODAL_KEYS_RE));
  }
  const yesNo = find(LEGACY_YES_NO_RE);
  if (yesNo) return waiting('approval-yes-no', yesNo);
  const login = find(LOGIN_RE);
  if (login) return waiting('login-dialog', login);
  const choice = find(CHOICE_FOOTER_RE);
  if (choice) return waiting('choice-dialog', choice);
  const busy = live.findLast((l) => BUSY_RE.test(l));
  if (busy) {
    return { status: 'processing', rule: 'busy-esc-to-interrupt', evidence: evidence(busy) };
  }
  if (userIdx >= 0) {
    const error = find(LEGACY_ERROR_RE);
    if (error) return { status: 'error', rule: 'error-line', evidence: evidence(error) };
    const working = find(LEGACY_BUSY_RE);
    if (working) return { status: 'processing', rule: 'working-line', evidence: evidence(working) };
  }
  return { status: 'unknown', rule: 'no-composer', evidence: evidence(lines.at(-1)) };
}

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  return { status: 'waiting_user_answer', rule, evidence: evidence(...lines) };
}

interface MenuOption {
  line: number;
  number: string;
  label: string;
}

/** The block of numbered options around the last `›` menu cursor, and the cursor's option. */
function menu(lines: readonly string[]): { options: MenuOption[]; cursor: number } | undefined {
  const cursorLine = lastIndexMatching(lines, /^\s*[›❯]\s*\d+\.\s/u);
  if (cursorLine < 0) return undefined;
  // the options are one block: no blank line between them (long ones wrap onto indented lines)
  let first = cursorLine;
  while (first > 0 && (lines[first - 1] ?? '') !== '') first--;
  let end = cursorLine;
  while (end + 1 < lines.length && (lines[end + 1] ?? '') !== '') end++;
  const options: MenuOption[] = [];
  for (let i = first; i <= end; i++) {
    const m = OPTION_RE.exec(lines[i] ?? '');
    if (m?.[1] && m[2]) options.push({ line: i, number: m[1], label: m[2].trim() });
  }
  const cursor = options.findIndex((o) => o.line === cursorLine);
  return options.length >= 2 && cursor >= 0 ? { options, cursor } : undefined;
}

/** Keys that move the `›` cursor to the option matching `pick` and choose it. */
function choose(lines: readonly string[], pick: (o: MenuOption) => boolean): string[] | undefined {
  const m = menu(lines);
  if (!m) return undefined;
  const goal = m.options.findIndex(pick);
  if (goal < 0) return undefined;
  const moves = goal - m.cursor;
  return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
}

function startupKeys(screen: string): string[] | undefined {
  const lines = screenLines(screen);
  if (findComposer(lines) >= 0) return undefined;
  const tail = lines.slice(-25);
  // "Trust this folder?" (first start in a git folder; also in yolo mode): take "Trust and
  // continue", as the original CAO did. Codex saves the answer in ~/.codex/config.toml.
  if (tail.some((l) => TRUST_RE.test(l))) {
    return choose(tail, (o) => TRUST_YES_RE.test(o.label)) ?? ['Enter'];
  }
  // "Update available!": Enter would run the update, so pick "Skip" by its number (a digit
  // chooses at once in Codex's update prompt; Esc also means "not now").
  if (tail.some((l) => UPDATE_RE.test(l))) {
    const skip = tail.map((l) => OPTION_RE.exec(l)).find((m) => m?.[2] && /^Skip\b/.test(m[2]));
    return skip?.[1] ? [skip[1]] : ['Escape'];
  }
  return undefined;
}

/** Picks an option of an approval prompt: a number, or yes / no; of a question: also its text. */
function answerKeys(screen: string, answer: string): string[] | undefined {
  // request_user_input: a number or an option's text; anything else is refused with the list
  const ask = questionWidget(screenLines(screen));
  if (ask) {
    const goal = optionIndex(ask.options, answer);
    if (goal === undefined) throw noSuchOption(ask.options, answer);
    const moves = goal - ask.cursor;
    return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
  }
  const lines = screenLines(screen).slice(-40);
  const a = answer.trim().toLowerCase();
  const legacyModal = lines.some((l) => LEGACY_MODAL_KEYS_RE.test(l));
  const legacyYesNo = lines.some((l) => LEGACY_YES_NO_RE.test(l));
  if (/^\d+$/.test(a)) return choose(lines, (o) => o.number === a);
  if (a === 'y' || a === 'yes') {
    return (
      choose(lines, (o) => /^(?:Yes|Allow|Approve|Accept|Trust)\b/.test(o.label)) ??
      (legacyModal ? ['a'] : legacyYesNo ? ['y', 'Enter'] : undefined)
    );
  }
  if (a === 'n' || a === 'no') {
    return (
      choose(lines, (o) => /^(?:No|Cancel|Decline|Deny|Reject)\b/.test(o.label)) ??
      (legacyModal ? ['d'] : legacyYesNo ? ['n', 'Enter'] : ['Escape'])
    );
  }
  return undefined;
}

function inputText(screen: string): string | undefined {
  const lines = screenLines(screen);
  if (questionWidget(lines)) return undefined;
  const c = findComposer(lines);
  return c < 0 ? undefined : composerText(lines, c);
}

/** The cell's text without its glyph, the two-column indent and trailing tips. */
function cellText(cell: Cell): string {
  const out = cell.lines.map((l, i) => {
    if (i === 0) return l.replace(/^[•◦■]\s+/u, '').replace(LEGACY_ANSWER_RE, '');
    return cell.legacy ? l : l.replace(/^ {2}/, '');
  });
  while (out.length > 0 && (out.at(-1)?.trim() === '' || /^\s*└\s+Tip:/u.test(out.at(-1) ?? ''))) {
    out.pop();
  }
  return out.join('\n').trim();
}

function lastMessage(history: string): string | undefined {
  const lines = screenLines(history);
  const composer = findComposer(lines);
  const end = composer >= 0 ? composer : lines.length;
  const userIdx = lastUserLine(lines, end);
  const cells = cellsBetween(lines, userIdx, end);
  const answer = cells.findLast(isAnswer);
  const last = cells.at(-1);
  // A failed turn has no answer after the error: report the error text instead.
  const chosen =
    last && /^■\s/u.test(last.lines[0] ?? '') && !INTERRUPTED_RE.test(last.lines[0] ?? '')
      ? last
      : answer;
  const text = chosen ? cellText(chosen) : '';
  return text === '' ? undefined : text;
}

export const codex: Provider = {
  id: 'codex',
  label: 'Codex CLI',
  binary: 'codex',
  installHint: 'npm install -g @openai/codex',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  // in a git repository it shows its prompt ~0.1 s before its folder-trust dialog
  readySettleMs: 300,
  launch,
  detect,
  startupKeys,
  inputText,
  lastMessage,
  answerKeys,
  handoffPrefix,
  exit: { text: '/exit' },
  // `codex resume` takes the same options; without an id, the latest session in this folder
  resumeArgs: (argv, id) => [
    argv[0] ?? 'codex',
    'resume',
    ...(id ? [id] : ['--last']),
    ...argv.slice(1),
  ],
};
