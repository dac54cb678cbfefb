/**
 * Pure helpers shared by the Gemini CLI and Qwen Code screen readers. Qwen Code is a fork of
 * Gemini CLI, and both still draw a session the same way: a transcript of user lines, answer
 * blocks and tool boxes above an input box that stays on screen while the agent works; a busy
 * line with "esc to cancel" while a turn runs; and questions (permission prompts, the trust
 * dialog) as numbered menus with a cursor glyph that replace the input box. So one screen
 * reader (`createFamilyReader`) serves both; the markers, the box and the busy signs differ, so
 * each provider passes its own (`FamilyLayout`).
 */
import {
  httpHeaders,
  isHttpMcp,
  type Detection,
  type McpServerSpec,
  type Provider,
} from './provider.js';
import {
  CUT_NOTE,
  blankOrDeadPane,
  evidence,
  lastIndexMatching,
  noSuchOption,
  optionIndex,
  screenLines,
} from './screen.js';

/** Zero-width characters: Qwen Code draws the input cursor after the text with U+200B. */
const stripZeroWidth = (s: string): string => s.replace(/[\u200b-\u200d\ufeff]/g, '');

/** A line of a boxed dialog without the box: `│ Allow execution of [Shell]?     │` → the text. */
const unbox = (line: string | undefined): string | undefined =>
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
function judgeTurn(
  area: readonly string[],
  typed: string,
  m: TurnMarkers,
  startInView: boolean,
): Detection {
  const userIdx = lastIndexMatching(area, m.user);
  const turn = area.slice(userIdx + 1);
  const outcomeLine = turn.findLast(
    (l) => m.response.test(l) || m.error.test(l) || m.cancelled.test(l),
  );
  if (typed !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(typed.split('\n')[0]) };
  }
  if (userIdx < 0 && !startInView) {
    // neither a user message nor the banner in the lines read: a long reply pushed them out
    // above; answered, and the box is empty. More history may say otherwise
    const shown = area.findLast((l) => l.trim() !== '');
    if (shown !== undefined) {
      return {
        status: 'completed',
        rule: 'long-reply',
        evidence: evidence(shown),
        needsHistory: true,
      };
    }
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
function lastAnswer(
  area: readonly string[],
  m: TurnMarkers,
  indent: string,
  startInView: boolean,
): string | undefined {
  const userIdx = lastIndexMatching(area, m.user);
  let start = -1;
  for (let i = area.length - 1; i > userIdx && start < 0; i--) {
    const l = area[i] ?? '';
    if (m.response.test(l) || m.error.test(l)) start = i;
  }
  if (start < 0 && userIdx < 0 && !startInView) {
    // the answer's first lines are gone: say so, keep what is left of it
    const text = area
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n')
      .trim();
    return text === '' ? undefined : `${CUT_NOTE}\n${text}`;
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

/**
 * The CLI holds messages it was given before it could take them: they are work to do, not a
 * finished turn (the screen above the queue may have been cleared, and its lines alone would
 * read as the end of a long reply). Only when the header is the last block of the transcript,
 * followed by nothing but the queued messages (indented deeper) and blank lines, and is not
 * inside an answer (no answer after the latest user message above it), so a reply that
 * quotes the header is not taken for it.
 */
function queuedMessages(
  area: readonly string[],
  header: RegExp,
  m: TurnMarkers,
): Detection | undefined {
  const at = lastIndexMatching(area, header);
  if (at < 0) return undefined;
  const below = area.slice(at + 1);
  if (!below.every((l) => l.trim() === '' || /^ {4}\S/u.test(l))) return undefined;
  const above = area.slice(0, at);
  if (lastIndexMatching(above, m.response) > lastIndexMatching(above, m.user)) return undefined;
  return {
    status: 'processing',
    rule: 'message-queued',
    evidence: evidence(area[at], below.find((l) => l.trim() !== '')?.trim()),
  };
}

/** One option of a numbered menu. */
interface MenuOption {
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
function readMenu(lines: readonly string[]): MenuOption[] | undefined {
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
function menuKeys(
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

/** The question of the CLI's ask-the-user widget and its options in screen order. */
interface AskWidget {
  text: string;
  options: string[];
}

/** A line with no word in it: blank, a box border, a scroll arrow (`▲`, `▼`). */
const wordless = (l: string): boolean => !/[\p{L}\p{N}]/u.test(l);

/**
 * The ask-the-user widget below the last line `title` matches: its menu, and the question as
 * the block of text lines right above the first option (joined, when the question wrapped).
 */
function readAsk(lines: readonly string[], title: RegExp): AskWidget | undefined {
  const at = lastIndexMatching(lines, title);
  if (at < 0) return undefined;
  return readAskBelow(lines.slice(at + 1));
}

/**
 * The ask-the-user widget when it is the last thing drawn: below its footer only wordless
 * lines (its frame, blank rows) and `status` lines (Qwen Code's "Waiting for user
 * confirmation…"). Read before the input box, which a resize can leave stale above it.
 */
function liveAsk(
  lines: readonly string[],
  ask: { title: RegExp; footer: RegExp },
  status: readonly RegExp[],
): AskWidget | undefined {
  const footer = lastIndexMatching(lines, ask.footer);
  const at = lastIndexMatching(lines, ask.title, footer);
  if (footer < 0 || at < 0) return undefined;
  const after = lines.slice(footer + 1);
  if (!after.every((l) => wordless(l) || status.some((re) => re.test(l)))) return undefined;
  return readAskBelow(lines.slice(at + 1, footer));
}

function readAskBelow(below: readonly string[]): AskWidget | undefined {
  const menu = readMenu(below);
  const first = below.findIndex((l) => OPTION_RE.test(l));
  if (!menu || first < 0) return undefined;
  const above = below.slice(0, first).map((l) => unbox(l) ?? '');
  const end = above.findLastIndex((l) => !wordless(l));
  let start = end;
  while (start > 0 && !wordless(above[start - 1] ?? '')) start--;
  const text = end < 0 ? '' : above.slice(start, end + 1).join(' ');
  return { text, options: menu.map((o) => o.label) };
}

/**
 * Keys that answer the menu on screen: a number picks that option, yes the first "Yes…" /
 * "Allow…" option, no the "No…" option (Escape, which refuses, when there is none). Undefined
 * for free text or when no menu is shown.
 */
function answerMenuKeys(lines: readonly string[], answer: string): string[] | undefined {
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
 * MCP servers as Gemini CLI / Qwen Code settings expect them: no `type` (a `command` is stdio,
 * an `httpUrl` Streamable HTTP). The file is private (0600), so it may hold the bearer token.
 */
export function mcpServersJson(servers: Record<string, McpServerSpec>): string {
  const out = Object.fromEntries(
    Object.entries(servers).map(([name, s]) => [
      name,
      isHttpMcp(s)
        ? { httpUrl: s.url, headers: httpHeaders(s) }
        : { command: s.command, args: s.args, env: s.env },
    ]),
  );
  return JSON.stringify({ mcpServers: out }, null, 2);
}

/** The input box's placeholder: the box is empty. */
const PLACEHOLDER_RE = /^Type your (?:message|shell command)\b/;
/** How many rows at the bottom are read for a dialog drawn instead of the input box. */
const DIALOG_ROWS = 40;

/**
 * How one CLI of the family draws its screen: what the shared reader cannot know. `B` is the
 * CLI's own input box, as its `findBox` returns it.
 */
export interface FamilyLayout<B extends { input: string[] }> {
  /** The banner; the current session starts at the last one (a restart draws a new one). */
  banner: RegExp;
  /** Removes what the CLI draws over its transcript lines (a scrollbar), when it does. */
  cleanLines?(lines: readonly string[]): string[];
  /** The input box in the session's lines, or undefined when none is drawn. */
  findBox(lines: readonly string[]): B | undefined;
  /** The prompt that starts the first input line (`>`, `*` in yolo mode, `!` in shell mode). */
  prompt: RegExp;
  /** The indent of the input's continuation lines. */
  inputIndent: RegExp;
  /** `processing` when the rows around the box say a turn runs, else undefined. */
  busy(lines: readonly string[], box: B): Detection | undefined;
  /**
   * The header of the CLI's queue of messages typed before it could take them (Gemini CLI:
   * `  Queued (press ↑ to edit):` until its MCP servers are discovered or its turn ends; it
   * then sends them on its own), drawn last above the box with each message indented below.
   */
  queued?: RegExp;
  /** Index of the first line below the transcript (the chrome above the box starts there). */
  transcriptEnd(lines: readonly string[], box: B): number;
  markers: TurnMarkers;
  /** The indent of an answer's continuation lines. */
  answerIndent: string;
  /** The dialogs drawn instead of the input box. */
  dialogs: {
    /** The folder trust question (its menu's "Trust folder" option is what startupKeys picks). */
    trust: RegExp;
    /** A permission prompt's lines, looked for in this order. */
    permission: readonly RegExp[];
    /** The CLI's ask-the-user tool's widget: its title line (the question and its menu
     *  follow) and its footer (`Enter to select · ↑/↓ to navigate`); `digits` when an
     *  option's digit picks it (Qwen Code: ↓ and Enter in one burst of keys pick the first). */
    ask: { title: RegExp; footer: RegExp; digits?: boolean };
    /** The cursor line of a numbered menu: the evidence for a menu with no known title. */
    menuCursor: RegExp;
    /** What the CLI prints when it ends. */
    exited: RegExp;
  };
}

/** The provider functions that read a family screen. */
export type FamilyReader = Pick<Provider, 'detect' | 'startupKeys' | 'inputText' | 'lastMessage'> &
  Required<Pick<Provider, 'answerKeys'>>;

/**
 * The screen reader of a family CLI: the session after the last banner; a dialog, a busy turn
 * or the judged transcript (detect); the trust dialog's "Trust folder" (startupKeys); menu
 * answers (answerKeys); the input box's text without the placeholder (inputText); and the
 * latest answer above the box (lastMessage).
 */
export function createFamilyReader<B extends { input: string[] }>(
  layout: FamilyLayout<B>,
): FamilyReader {
  const { markers, dialogs } = layout;

  /** The lines of the current session (from its banner on), and whether the banner is in them. */
  const session = (screen: string): { lines: string[]; startInView: boolean } => {
    const all = screenLines(screen);
    const lines = layout.cleanLines ? layout.cleanLines(all) : all;
    const banner = lastIndexMatching(lines, layout.banner);
    return { lines: banner > 0 ? lines.slice(banner) : lines, startInView: banner >= 0 };
  };
  const sessionLines = (screen: string): string[] => session(screen).lines;

  const boxText = (box: B): string => {
    const text = box.input
      .map((l, i) =>
        stripZeroWidth(i === 0 ? l.replace(layout.prompt, '') : l.replace(layout.inputIndent, '')),
      )
      .join('\n')
      .trim();
    return PLACEHOLDER_RE.test(text) ? '' : text;
  };

  const waiting = (rule: string, ...lines: (string | undefined)[]): Detection => ({
    status: 'waiting_user_answer',
    rule,
    evidence: evidence(...lines.map(unbox)),
  });

  const asking = (ask: AskWidget): Detection => {
    const options = ask.options.map((o, i) => `${i + 1}. ${o}`).join('  ');
    return { ...waiting('ask-user-question', ask.text, options), question: ask };
  };

  /** What the screen shows instead of the input box. */
  const withoutBox = (lines: readonly string[]): Detection => {
    const tail = lines.slice(-DIALOG_ROWS);
    const find = (re: RegExp): string | undefined => tail.findLast((l) => re.test(l));
    const trust = find(dialogs.trust);
    if (trust) return waiting('trust-folder-dialog', trust);
    const ask = readAsk(tail, dialogs.ask.title);
    if (ask) return asking(ask);
    const permission = dialogs.permission.map(find).find((l) => l !== undefined);
    if (permission) return waiting('permission-prompt', permission);
    if (readMenu(tail)) return waiting('choice-dialog', find(dialogs.menuCursor));
    const exited = find(dialogs.exited);
    if (exited) return { status: 'error', rule: 'cli-exited', evidence: evidence(exited) };
    return { status: 'unknown', rule: 'no-input-box', evidence: evidence(lines.at(-1)) };
  };

  return {
    detect(screen) {
      const gone = blankOrDeadPane(screenLines(screen));
      if (gone) return gone;
      const { lines, startInView } = session(screen);
      const ask = liveAsk(lines.slice(-DIALOG_ROWS), dialogs.ask, dialogs.permission);
      if (ask) return asking(ask);
      const box = layout.findBox(lines);
      if (!box) return withoutBox(lines);
      const busy = layout.busy(lines, box);
      if (busy) return busy;
      const area = lines.slice(0, layout.transcriptEnd(lines, box));
      const queued = layout.queued ? queuedMessages(area, layout.queued, markers) : undefined;
      if (queued) return queued;
      return judgeTurn(area, boxText(box), markers, startInView);
    },
    startupKeys(screen) {
      const lines = sessionLines(screen);
      if (layout.findBox(lines)) return undefined;
      const tail = lines.slice(-DIALOG_ROWS);
      if (!tail.some((l) => dialogs.trust.test(l))) return undefined;
      return menuKeys(tail, (o) => /^Trust folder\b/.test(o.label));
    },
    answerKeys(screen, answer) {
      const lines = sessionLines(screen);
      const tail = lines.slice(-DIALOG_ROWS);
      // the ask-the-user widget: an option's number or its text; anything else is refused
      const ask = liveAsk(tail, dialogs.ask, dialogs.permission);
      if (ask) {
        const goal = optionIndex(ask.options, answer);
        if (goal === undefined) throw noSuchOption(ask.options, answer);
        if (dialogs.ask.digits && goal < 9) return [String(goal + 1)];
        return menuKeys(tail, (o) => o.label === ask.options[goal]);
      }
      if (layout.findBox(lines)) return undefined;
      return answerMenuKeys(tail, answer);
    },
    inputText(screen) {
      const lines = sessionLines(screen);
      // the ask-the-user widget covers the box (one left above it by a resize is stale)
      if (liveAsk(lines.slice(-DIALOG_ROWS), dialogs.ask, dialogs.permission)) return undefined;
      const box = layout.findBox(lines);
      return box ? boxText(box) : undefined;
    },
    lastMessage(history) {
      const { lines, startInView } = session(history);
      const box = layout.findBox(lines);
      const area = box ? lines.slice(0, layout.transcriptEnd(lines, box)) : lines;
      return lastAnswer(area, markers, layout.answerIndent, startInView);
    },
  };
}
