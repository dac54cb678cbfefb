/**
 * Pure helpers shared by the Gemini CLI and Qwen Code screen readers. Qwen Code is a fork of
 * Gemini CLI, and both still draw a session the same way: a transcript of user lines, answer
 * blocks and tool boxes above an input box that stays on screen while the agent works; a busy
 * line with "esc to cancel" while a turn runs; and questions (permission prompts, the trust
 * dialog) as numbered menus with a cursor glyph that replace the input box. The markers
 * themselves differ, so each provider passes its own.
 */
import type { Detection } from './provider.js';
import { evidence, lastIndexMatching } from './screen.js';

/** Zero-width characters: Qwen Code draws the input cursor after the text with U+200B. */
export const stripZeroWidth = (s: string): string => s.replace(/[\u200b-\u200d\ufeff]/g, '');

/** A line of a boxed dialog without the box: `│ Allow execution of [Shell]?     │` → the text. */
export const unbox = (line: string | undefined): string | undefined =>
  line?.replace(/^[\s│]+/u, '').replace(/[\s│]+$/u, '');

/** The transcript lines that decide a turn. */
export interface TurnMarkers {
  /** A user message in the transcript. */
  user: RegExp;
  /** The first line of an answer block. */
  response: RegExp;
  /** An API error shown as the turn's result. */
  error: RegExp;
  /** The trace of a turn the user stopped (Esc, or a refused tool call). */
  cancelled: RegExp;
}

/**
 * Decides a turn that shows no busy marker, from the transcript above the input box and the
 * text typed in that box. The latest of answer / error / cancellation after the latest user
 * message is the turn's outcome; no outcome yet means the CLI has not started drawing it.
 */
export function judgeTurn(area: readonly string[], typed: string, m: TurnMarkers): Detection {
  const userIdx = lastIndexMatching(area, m.user);
  const turn = area.slice(userIdx + 1);
  const outcomeLine = turn.findLast(
    (l) => m.response.test(l) || m.error.test(l) || m.cancelled.test(l),
  );
  if (typed !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(typed.split('\n')[0]) };
  }
  // before any user message an error line is a start-up notice, not the outcome of a turn
  if (userIdx < 0 && (outcomeLine === undefined || !m.response.test(outcomeLine))) {
    return { status: 'idle', rule: 'empty-prompt', evidence: [] };
  }
  if (outcomeLine === undefined) {
    return { status: 'processing', rule: 'awaiting-response', evidence: evidence(area[userIdx]) };
  }
  if (m.cancelled.test(outcomeLine)) {
    return { status: 'idle', rule: 'interrupted', evidence: evidence(outcomeLine) };
  }
  if (m.error.test(outcomeLine)) {
    return { status: 'error', rule: 'api-error', evidence: evidence(outcomeLine) };
  }
  return { status: 'completed', rule: 'response', evidence: evidence(outcomeLine) };
}

/**
 * The latest answer (or API error) after the latest user message in a transcript: its first
 * line without the marker, then the lines indented by `indent` (blank lines included) that
 * follow it. Undefined when the turn has none.
 */
export function lastAnswer(
  area: readonly string[],
  m: TurnMarkers,
  indent: string,
): string | undefined {
  const userIdx = lastIndexMatching(area, m.user);
  let start = -1;
  for (let i = area.length - 1; i > userIdx && start < 0; i--) {
    const l = area[i] ?? '';
    if (m.response.test(l) || m.error.test(l)) start = i;
  }
  if (start < 0) return undefined;
  const first = area[start] ?? '';
  const out = [first.replace(m.response.test(first) ? m.response : m.error, '')];
  for (let i = start + 1; i < area.length; i++) {
    const l = area[i] ?? '';
    if (l !== '' && !l.startsWith(indent)) break;
    out.push(l.slice(indent.length));
  }
  const text = out.join('\n').trim();
  return text === '' ? undefined : text;
}

/** One option of a numbered menu. */
export interface MenuOption {
  /** Its number on screen (`2.`). */
  number: number;
  /** Its text after the number, box borders removed. */
  label: string;
  /** Whether the cursor is on it. */
  selected: boolean;
}

/** A menu option line, inside a box or not: `│ ● 1. Allow once │`, `   › 1. Yes, allow once`. */
const OPTION_RE = /^[\s│]*([●›❯]\s*)?(\d+)\.\s+(\S.*?)\s*│?\s*$/u;

/**
 * The numbered menu around the last cursor line (`●`, `›` or `❯` before a number), or
 * undefined when the lines hold none.
 */
export function readMenu(lines: readonly string[]): MenuOption[] | undefined {
  const cursor = lastIndexMatching(lines, /^[\s│]*[●›❯]\s*\d+\.\s/u);
  if (cursor < 0) return undefined;
  const options: MenuOption[] = [];
  for (let i = Math.max(0, cursor - 10); i < Math.min(lines.length, cursor + 11); i++) {
    const match = OPTION_RE.exec(lines[i] ?? '');
    if (!match) continue;
    options.push({
      number: Number(match[2]),
      label: match[3] ?? '',
      selected: match[1] !== undefined,
    });
  }
  return options.some((o) => o.selected) ? options : undefined;
}

/** Keys that move the menu cursor onto the first option `pick` accepts and choose it. */
export function menuKeys(
  lines: readonly string[],
  pick: (o: MenuOption) => boolean,
): string[] | undefined {
  const options = readMenu(lines);
  if (!options) return undefined;
  const from = options.findIndex((o) => o.selected);
  const to = options.findIndex(pick);
  if (to < 0) return undefined;
  const moves = to - from;
  return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
}

/**
 * Keys that answer the menu on screen: a number picks that option, yes the first "Yes…" /
 * "Allow…" option, no the "No…" option (Escape, which refuses, when there is none). Undefined
 * for free text or when no menu is shown.
 */
export function answerMenuKeys(lines: readonly string[], answer: string): string[] | undefined {
  const a = answer.trim().toLowerCase();
  if (/^\d+$/.test(a)) return menuKeys(lines, (o) => o.number === Number(a));
  if (a === 'y' || a === 'yes') return menuKeys(lines, (o) => /^(?:Yes|Allow)\b/i.test(o.label));
  if (a === 'n' || a === 'no') {
    if (!readMenu(lines)) return undefined;
    return menuKeys(lines, (o) => /^No\b/i.test(o.label)) ?? ['Escape'];
  }
  return undefined;
}

/**
 * Native tools to deny for a restricted CAO tool list, given the CLI's map from CAO tool names
 * to its own (reference §5.3); none when unrestricted. `@builtin` grants every built-in tool,
 * `fs_*` the three file groups; MCP entries (`@server`) are not built-in tools.
 */
export function deniedTools(allowed: string[] | null, map: Record<string, string[]>): string[] {
  if (allowed === null || allowed.includes('*')) return [];
  const granted = new Set<string>();
  const grant = (key: string): void => map[key]?.forEach((t) => granted.add(t));
  for (const tool of allowed) {
    if (tool === '@builtin') Object.keys(map).forEach(grant);
    else if (tool === 'fs_*') ['fs_read', 'fs_write', 'fs_list'].forEach(grant);
    else grant(tool);
  }
  return [...new Set(Object.values(map).flat())].filter((t) => !granted.has(t));
}

/** MCP servers as Gemini CLI / Qwen Code settings expect them (no `type`: stdio is implied). */
export function mcpServersJson(
  servers: Record<string, { command: string; args: string[]; env: Record<string, string> }>,
): string {
  const out = Object.fromEntries(
    Object.entries(servers).map(([name, s]) => [
      name,
      { command: s.command, args: s.args, env: s.env },
    ]),
  );
  return JSON.stringify({ mcpServers: out }, null, 2);
}
