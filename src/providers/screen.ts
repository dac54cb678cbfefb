/** Pure helpers shared by the providers' screen readers. */
/* eslint-disable no-control-regex -- escape sequences are exactly what these patterns match */
import { CaoError } from '../lib/errors.js';
import type { Detection } from './provider.js';

const SGR_RE = /\x1b\[[0-9;:]*m/g;

const ANY_ESCAPE_RE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]/g;

/** Removes colour and other escape sequences (`capture-pane -e` output, `.ansi` captures). */
export function stripAnsi(text: string): string {
  return text.replace(SGR_RE, '').replace(ANY_ESCAPE_RE, '');
}

/**
 * The lines of a styled screen (`capture-pane -e`), SGR kept, in step with `screenLines`
 * (line i of one is line i of the other); undefined for a plain-text screen.
 */
export function styledLines(screen: string): string[] | undefined {
  if (!/\x1b\[[0-9;:]*m/.test(screen)) return undefined;
  return screen.replace(/\r\n?/g, '\n').split('\n');
}

/**
 * The foreground colour in force at the first visible character of a styled line, as its SGR
 * parameters (`38;5;210`, `31`), or '' for the terminal's default colour.
 */
export function leadingForeground(styledLine: string): string {
  let fg = '';
  let i = 0;
  while (i < styledLine.length) {
    const m = /^\x1b\[([0-9;:]*)m/.exec(styledLine.slice(i));
    if (m) {
      const params = (m[1] ?? '').split(/[;:]/);
      for (let p = 0; p < params.length; p++) {
        const n = params[p] === '' ? 0 : Number(params[p]);
        if (n === 0 || n === 39) fg = '';
        else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) fg = String(n);
        else if (n === 38) {
          const wide = params[p + 1] === '2' ? 5 : 3;
          fg = params.slice(p, p + wide).join(';');
          p += wide - 1;
        }
      }
      i += m[0].length;
    } else if (styledLine[i] === ' ' || styledLine[i] === '\x1b') i++;
    else return fg;
  }
  return fg;
}

/** Screen text to lines: escapes removed, CRLF normalised, trailing blanks trimmed per line. */
export function screenLines(screen: string): string[] {
  const lines = stripAnsi(screen)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[\s\u00a0]+$/u, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** First line of a last answer whose start is no longer on the screen or in its history. */
export const CUT_NOTE = "[cut: the reply's first lines scrolled out of the terminal's history]";

/** Index of the last line at or before `from` matching `re`, or -1. */
export function lastIndexMatching(
  lines: readonly string[],
  re: RegExp,
  from = lines.length - 1,
): number {
  for (let i = Math.min(from, lines.length - 1); i >= 0; i--) {
    if (re.test(lines[i] ?? '')) return i;
  }
  return -1;
}

/** A horizontal rule drawn with box characters (input boxes, separators). */
export const isRule = (line: string, min = 20): boolean =>
  new RegExp(`^\\s*[─━]{${min},}\\s*$`).test(line);

/** tmux's remain-on-exit banner: the agent process has ended. */
export const PANE_DEAD_RE = /^Pane is dead \((?:status|signal) /;

/**
 * What every detector says before reading its CLI's screen: `unknown` when the lines are all
 * blank, `error` when tmux's remain-on-exit banner (the latest, as evidence) is among the last
 * `within` lines. Undefined when neither holds.
 */
export function blankOrDeadPane(lines: readonly string[], within = 25): Detection | undefined {
  if (lines.every((l) => l.trim() === '')) {
    return { status: 'unknown', rule: 'empty-screen', evidence: [] };
  }
  const dead = lines.slice(-within).findLast((l) => PANE_DEAD_RE.test(l));
  return dead === undefined
    ? undefined
    : { status: 'error', rule: 'pane-dead', evidence: evidence(dead) };
}

/** Trims evidence lines for display: no long rules, at most 160 characters each. */
export function evidence(...lines: (string | undefined)[]): string[] {
  return lines
    .filter((l): l is string => typeof l === 'string')
    .map((l) => l.trim().replace(/[─━]{8,}/g, '────'))
    .map((l) => (l.length > 160 ? `${l.slice(0, 157)}...` : l));
}

/**
 * Keys that move a menu's `❯` cursor onto the first option matching `target` and choose it, for
 * menus drawn one option per line ("❯ No, exit" / "  Yes, I accept"). Undefined when the
 * screen has no such menu.
 */
export function selectOption(lines: readonly string[], target: RegExp): string[] | undefined {
  const cursor = lastIndexMatching(lines, /^\s*❯\s*\S/u);
  if (cursor < 0) return undefined;
  let goal = -1;
  for (let i = Math.max(0, cursor - 8); i < Math.min(lines.length, cursor + 9) && goal < 0; i++) {
    if (target.test(lines[i] ?? '')) goal = i;
  }
  if (goal < 0) return undefined;
  const moves = goal - cursor;
  return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
}

/**
 * The start of a message (its first 24 non-blank characters) shows in `screen`, whitespace
 * ignored, so a copy that the CLI wrapped or indented counts.
 */
export function showsText(screen: string, text: string): boolean {
  const squash = (s: string): string => s.replace(/\s+/g, '');
  const head = squash(text).slice(0, 24);
  if (head === '') return false;
  return squash(screen).includes(head);
}

/**
 * Which option of a question widget an answer names (0-based): its number ("2"), or its label,
 * case-insensitive: the label itself, else the only label that starts with the answer.
 * Undefined when nothing or more than one option matches.
 */
export function optionIndex(options: readonly string[], answer: string): number | undefined {
  const a = answer.trim().toLowerCase().replace(/\s+/g, ' ');
  if (a === '') return undefined;
  if (/^\d+$/.test(a)) {
    const n = Number(a);
    return n >= 1 && n <= options.length ? n - 1 : undefined;
  }
  const labels = options.map((o) => o.trim().toLowerCase().replace(/\s+/g, ' '));
  const exact = labels.indexOf(a);
  if (exact >= 0) return exact;
  const starts = labels.flatMap((l, i) => (l.startsWith(a) ? [i] : []));
  return starts.length === 1 ? starts[0] : undefined;
}

/** The error for an answer that names none of a question's options, listing them. */
export function noSuchOption(options: readonly string[], answer: string): CaoError {
  const list = options.map((o, i) => `${i + 1}. ${o}`).join(', ');
  return new CaoError(
    'INVALID_INPUT',
    `"${answer.trim()}" is not one of the options (${list}). Answer with an option's number or its text.`,
  );
}

/**
 * A numbered menu at the end of a screen (`❯ 1. Yes`, `  2. No`) as a question: its options in
 * order, and the text of the nearest non-empty line above the first option (or `text`, when
 * the caller knows the question line). Undefined without a `1.` option.
 */
export function numberedQuestion(
  lines: readonly string[],
  text?: string,
): { text: string; options: string[] } | undefined {
  const OPTION = /^\s*(?:[❯›>]\s*)?(\d+)\.\s+(.*\S)\s*$/u;
  let first = -1;
  const options: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = OPTION.exec(lines[i] ?? '');
    if (!m) continue;
    if (m[1] === '1') {
      first = i;
      options.length = 0;
    }
    if (first >= 0 && Number(m[1]) === options.length + 1) options.push(m[2] ?? '');
  }
  if (first < 0 || options.length === 0) return undefined;
  const above = lines
    .slice(0, first)
    .map((l) => l.trim())
    .findLast((l) => l !== '');
  const question = (text ?? above ?? '').trim();
  return { text: question, options };
}
