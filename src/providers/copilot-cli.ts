/**
 * GitHub Copilot CLI (`copilot`). Screen reader for its full-screen TUI (1.0.x, alternate
 * screen): a tab bar, the banner and tips, then the transcript (user messages ` ❯ text   21:17`,
 * answers ` ● text`, tools ` $ Shell …` / ` ● tool (MCP: server) …`, errors ` ✗ 400 …`), the
 * working directory line, the composer (`❯` between two full-width rules) and a footer, which
 * reads `◎ Working  esc esc  edit prompt` while a turn runs. Questions (folder trust, tool
 * permissions) replace the composer with a box (`│ Do you want to run this command?` and a `❯`
 * menu). Verified against the captures in ../shared (1.0.102) and our own captures.
 */
import { join } from 'node:path';
import {
  httpHeaders,
  isHttpMcp,
  type Detection,
  type InstallContext,
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
  screenLines,
  selectOption,
  optionIndex,
} from './screen.js';
import { deniedTools, type ToolMap } from './tools.js';

/** The welcome banner (`Copilot v1.0.102 uses AI.`): the session's start is on the screen. */
const BANNER_RE = /\bCopilot v\d+\.\d+\.\d+/;
/** The tab bar on the first row (` [Current]  Sessions   Issues …`). */
const TAB_BAR_RE = /^\s*\[Current\]\s/u;
/** The composer's rules start at the left edge and span the width (dialog rules are boxed). */
const RULE_RE = /^─{20,}\s*$/u;
/** Footer while a turn runs: `◎ Working  esc esc  edit prompt` (glyph cycles ◎ ○ ● ◉). */
const BUSY_RE = /\bWorking\b.*\besc\b/;
/** A user message in the transcript; the composer's own `❯` sits inside the box. */
const USER_RE = /^ ?❯\s+\S/u;
/** A transcript item: a glyph at the left edge (`●`, `✗`, `○`, `$`, `!`, `❯`) and a space. */
const ITEM_RE = /^ ?[^\s\w[(]\s/u;
/** An error as the turn's outcome: `✗ 400 FAKE-ERROR-400 scripted failure`. */
const ERROR_ITEM_RE = /^ ?✗\s/u;
/** `✗` lines the user caused (a rejected or aborted tool call), not failures. */
const USER_STOPPED_RE = /\b(?:rejected this tool call|aborted by user|cancelled by user)\b/i;
/** `● Operation cancelled by user`: Esc at a permission prompt stopped the turn. */
/** Copilot's own notices drawn as transcript items (`● MCP Servers reloaded: 1 server …`). */
const NOTICE_RE = /^ ?●\s+MCP Servers reloaded\b/u;
const CANCELLED_RE = /^ ?●\s+Operation cancelled by user\b/u;
/** HTTP 5xx retries: `● Request failed due to a transient API error. Retrying...` */
const RETRY_RE = /^ ?●\s+Request failed due to a transient API error\. Retrying/u;
/** A tool call drawn as an item: `● echo_tool (MCP: cao-mcp-server) · text: …`. */
const TOOL_ITEM_RE = /^ ?[●○✗]\s+\S+(?: \S+)? \(MCP: [^)]+\)/u;
const ANSWER_RE = /^ ?●\s+\S/u;
/** `✗ Custom agent "x" not found. Available agents: …` (`--agent` without the agent file). */
const AGENT_MISSING_RE = /✗\s+Custom agent "[^"]*" not found\b/u;
const TRUST_RE = /Do you trust the files in this folder\?|\bConfirm folder trust\b/;
const PERMISSION_RE = /Do you want to (?:run this command|use this tool|[a-z]+ [^?]{0,60})\?/;
const MENU_FOOTER_RE = /↑\/↓ to navigate · enter to select/;
/** The ask_user form: `Copilot needs information.` … `↑/↓ select · enter accept · ctrl+d decline`. */
const ASK_USER_RE = /↑\/↓ select · enter accept\b|^\s*Copilot needs information\./u;
/** What `/exit` leaves: `Resume     copilot --resume=<id>`. */
const EXITED_RE = /\bResume\s+copilot --resume=\S+/;
/** The time stamp right-aligned on user messages (`21:17`) and the timers on tools (`11s`). */
const RIGHT_STAMP_RE = /\s{2,}(?:\d{1,2}:\d{2}|\d+(?:m \d+)?s)$/u;

/**
 * Screen lines without the scrollbar drawn in the last column (` ┃`) and without the right
 * aligned time stamps.
 */
function copilotLines(screen: string): string[] {
  return screenLines(screen).map((l) =>
    l
      .replace(/\s+┃$/u, '')
      .replace(RIGHT_STAMP_RE, '')
      .replace(/[\s\u00a0]+$/u, ''),
  );
}

/** A dialog's lines without its box: `│ ❯ 1. Yes   │` → `❯ 1. Yes`. */
function unboxed(lines: readonly string[]): string[] {
  return lines.map((l) =>
    l
      .replace(/^[│╭╰]\s?(?:[│╭╰]\s?)?/u, '')
      .replace(/\s*[│╮╯](?:\s*[│╮╯])?\s*$/u, '')
      .trimEnd(),
  );
}

interface Box {
  top: number;
  bottom: number;
  text: string;
}

/** The composer: the last two left-edge rules with a `❯` line between them. */
function findBox(lines: readonly string[]): Box | undefined {
  const bottom = lastIndexMatching(lines, RULE_RE);
  if (bottom < 1) return undefined;
  const top = lastIndexMatching(lines, RULE_RE, bottom - 1);
  if (top < 0 || bottom - top < 2 || bottom - top > 30) return undefined;
  const input = lines.slice(top + 1, bottom);
  if (!/^❯/u.test(input[0] ?? '')) return undefined;
  const text = input
    .map((l, i) => (i === 0 ? l.replace(/^❯\s?/u, '') : l.replace(/^ {2}/, '')))
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
  return { top, bottom, text };
}

/**
 * The transcript lines above the composer when the screen shows neither the latest user message
 * nor the welcome banner, starting mid-block: the rest of a reply whose start scrolled off (Copilot draws on the
 * alternate screen, so nothing is kept above it). Without the tab bar and the working
 * directory line over the composer; undefined when there is no such text.
 */
function replyTail(lines: readonly string[], boxTop: number): string[] | undefined {
  const above = lines.slice(0, boxTop);
  if (above.some((l) => BANNER_RE.test(l) || USER_RE.test(l))) return undefined;
  const from = above.findIndex((l) => TAB_BAR_RE.test(l)) + 1;
  let to = above.length;
  while (to > from && (above[to - 1] ?? '').trim() === '') to--;
  // the working directory line (` /path [⎇ branch]`) sits right above the composer
  if (to > from && /^ \S/u.test(above[to - 1] ?? '')) to--;
  const tail = above.slice(from, to);
  // it starts mid-block (a continuation line), not with an item of its own (` ● Tip: …`)
  const first = tail.find((l) => l.trim() !== '');
  return first !== undefined && /^ {2}/.test(first) ? tail : undefined;
}

interface Turn {
  /** Index of the latest user message, -1 when none is on screen. */
  user: number;
  /** Indexes of the transcript items after it (the user message's own lines excluded). */
  items: number[];
}

function lastTurn(lines: readonly string[], end: number): Turn {
  const user = lastIndexMatching(lines, USER_RE, end - 1);
  const items: number[] = [];
  for (let i = user + 1; i < end; i++) {
    if (ITEM_RE.test(lines[i] ?? '')) items.push(i);
  }
  return { user, items };
}

function detect(screen: string): Detection {
  const lines = copilotLines(screen);
  const gone = blankOrDeadPane(lines, 30);
  if (gone) return gone;
  const tail = lines.slice(-30);

  const box = findBox(lines);
  if (!box) {
    const dialog = unboxed(tail);
    const find = (re: RegExp): string | undefined => dialog.find((l) => re.test(l));
    const trust = find(TRUST_RE);
    if (trust) return waiting('trust-folder-dialog', trust);
    const permission = find(PERMISSION_RE);
    if (permission) return waiting('permission-prompt', permission, find(/^❯\s*1\./u));
    const ask = find(ASK_USER_RE);
    if (ask) {
      const form = askUserForm(dialog);
      const d = waiting(
        'ask-user',
        dialog.find((l) => /\?\s*$/.test(l)),
        ask,
      );
      return form ? { ...d, question: { text: form.text, options: form.options } } : d;
    }
    const menu = find(MENU_FOOTER_RE);
    if (menu) return waiting('choice-dialog', find(/^❯\s*\S/u), menu);
    const exited = find(EXITED_RE);
    if (exited) return { status: 'error', rule: 'cli-exited', evidence: evidence(exited) };
    return { status: 'unknown', rule: 'no-input-box', evidence: evidence(lines.at(-1)) };
  }

  const footer = lines.slice(box.bottom + 1);
  const busy = footer.find((l) => BUSY_RE.test(l));
  const turn = lastTurn(lines, box.top);
  const item = (i: number | undefined): string => (i === undefined ? '' : (lines[i] ?? ''));
  const lastItem = turn.items.at(-1);
  if (busy) {
    const retry = turn.items.some((i) => RETRY_RE.test(item(i)));
    return {
      status: 'processing',
      rule: retry ? 'api-retrying' : 'footer-working',
      evidence: evidence(retry ? item(lastItem) : undefined, busy.replace(/\s{3,}/g, '  ')),
    };
  }
  if (box.text !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(box.text.split('\n')[0]) };
  }
  if (turn.user < 0) {
    // only at start: not once something was answered after it (a full-history read of a long
    // reply still holds a start-up line that a later launch step made untrue), nor below a
    // reply whose start scrolled off (Copilot printed it again at the end of a turn)
    const at = lastIndexMatching(lines, AGENT_MISSING_RE, box.top - 1);
    const after = at < 0 ? [] : lines.slice(at + 1, box.top);
    if (at >= 0 && !after.some((l) => ITEM_RE.test(l)) && !replyTail(lines, at))
      return { status: 'error', rule: 'agent-not-found', evidence: evidence(lines[at]) };
    const rest = replyTail(lines, box.top);
    if (rest) {
      // a reply longer than the screen: its start (and the user's message) scrolled off
      const shown = rest.findLast((l) => l.trim() !== '' && !AGENT_MISSING_RE.test(l));
      return { status: 'completed', rule: 'long-reply', evidence: evidence(shown) };
    }
    return { status: 'idle', rule: 'empty-prompt', evidence: evidence(lines[box.top + 1]) };
  }
  const last = item(lastItem);
  if (lastItem === undefined) {
    return { status: 'processing', rule: 'awaiting-response', evidence: evidence(item(turn.user)) };
  }
  if (ERROR_ITEM_RE.test(last)) {
    if (USER_STOPPED_RE.test(last)) {
      return { status: 'idle', rule: 'tool-rejected', evidence: evidence(last) };
    }
    return { status: 'error', rule: 'api-error', evidence: evidence(last) };
  }
  if (CANCELLED_RE.test(last))
    return { status: 'idle', rule: 'interrupted', evidence: evidence(last) };
  if (RETRY_RE.test(last))
    return { status: 'error', rule: 'api-retries-ended', evidence: evidence(last) };
  if (/^ ?○\s/u.test(last)) {
    return { status: 'processing', rule: 'tool-running', evidence: evidence(last) };
  }
  return { status: 'completed', rule: 'response', evidence: evidence(last) };
}

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  return { status: 'waiting_user_answer', rule, evidence: evidence(...lines) };
}

function inputText(screen: string): string | undefined {
  return findBox(copilotLines(screen))?.text;
}

function lastMessage(history: string): string | undefined {
  const lines = copilotLines(history);
  const box = findBox(lines);
  const end = box ? box.top : lines.length;
  const turn = lastTurn(lines, end);
  if (turn.user < 0) {
    const rest = box ? replyTail(lines, box.top) : undefined;
    if (!rest) return undefined;
    const text = rest
      .map((l) => l.replace(/^ {3}/, ''))
      .join('\n')
      .trim();
    return `${CUT_NOTE}\n${text}`;
  }
  const answers = turn.items.filter((i) => {
    const l = lines[i] ?? '';
    if (ERROR_ITEM_RE.test(l)) return !USER_STOPPED_RE.test(l);
    return (
      ANSWER_RE.test(l) &&
      !TOOL_ITEM_RE.test(l) &&
      !CANCELLED_RE.test(l) &&
      !RETRY_RE.test(l) &&
      !NOTICE_RE.test(l)
    );
  });
  const start = answers.at(-1);
  if (start === undefined) return undefined;
  const out = [(lines[start] ?? '').replace(/^ ?[●✗]\s+/u, '')];
  for (let i = start + 1; i < end; i++) {
    const l = lines[i] ?? '';
    if (l.trim() !== '' && !/^ {3}/.test(l)) break;
    out.push(l.replace(/^ {3}/, ''));
  }
  const text = out.join('\n').trim();
  return text === '' ? undefined : text;
}

function startupKeys(screen: string): string[] | undefined {
  const lines = copilotLines(screen);
  if (findBox(lines)) return undefined;
  const dialog = unboxed(lines.slice(-30));
  // "Do you trust the files in this folder?" ❯ 1. Yes / 2. Yes, and remember … / 3. No (Esc):
  // trust it for this session only, so nothing is written to the user's ~/.copilot/config.json
  if (dialog.some((l) => TRUST_RE.test(l))) {
    return selectOption(dialog, /^\s*(?:❯\s*)?1\.\s+Yes\b/u);
  }
  return undefined;
}

/**
 * Picks an option of a permission prompt or menu: a number, or yes / no. The "No, and tell
 * Copilot what to do differently" option is a text field that Enter alone does not take; Esc
 * ("Esc to stop") declines and ends the turn, so "no" and that option's number press Esc.
 */
function answerKeys(screen: string, answer: string): string[] | undefined {
  const lines = copilotLines(screen);
  if (findBox(lines)) return undefined;
  const dialog = unboxed(lines.slice(-30));
  const a = answer.trim().toLowerCase();
  if (dialog.some((l) => ASK_USER_RE.test(l))) return askUserKeys(dialog, a);
  if (!dialog.some((l) => MENU_FOOTER_RE.test(l) || PERMISSION_RE.test(l))) return undefined;
  if (/^\d+$/.test(a)) {
    const option = dialog.find((l) => new RegExp(`^\\s*(?:❯\\s*)?${a}\\.\\s`, 'u').test(l));
    if (!option) return undefined;
    if (/\(Esc(?: to stop)?\)\s*$/u.test(option)) return ['Escape'];
    return selectOption(dialog, new RegExp(`^\\s*(?:❯\\s*)?${a}\\.\\s`, 'u'));
  }
  if (a === 'y' || a === 'yes') return selectOption(dialog, /^\s*(?:❯\s*)?\d+\.\s+Yes\b/u);
  if (a === 'n' || a === 'no') return ['Escape'];
  return undefined;
}

/**
 * The ask_user form's choices, listed without numbers (`❯ Red` / `  Blue` / `  Other (type
 * your answer)`) around the cursor, and its question (the last line ending in `?` above them).
 */
function askUserForm(
  dialog: readonly string[],
): { text: string; options: string[]; first: number; cursor: number } | undefined {
  const cursor = lastIndexMatching(dialog, /^\s*❯\s+\S/u);
  if (cursor < 0) return undefined;
  const isOption = (l: string): boolean => /^\s*(?:❯\s+|\s{2,})\S/u.test(l);
  let first = cursor;
  while (first > 0 && isOption(dialog[first - 1] ?? '')) first--;
  let last = cursor;
  while (last + 1 < dialog.length && isOption(dialog[last + 1] ?? '')) last++;
  const options = dialog.slice(first, last + 1).map((l) => l.replace(/^\s*❯?\s*/u, '').trim());
  const text = dialog.slice(0, first).findLast((l) => /\?\s*$/.test(l)) ?? '';
  return { text: text.trim(), options, first, cursor };
}

/**
 * The ask_user form: a number or a choice's text moves the cursor to that choice, yes/no pick
 * the choice named so (no: ctrl+d declines when there is none). Other free text is typed as
 * usual (into its "Other" field).
 */
function askUserKeys(dialog: readonly string[], a: string): string[] | undefined {
  const form = askUserForm(dialog);
  if (!form) return undefined;
  const { options, first, cursor } = form;
  let goal = -1;
  if (/^\d+$/.test(a)) goal = Number(a) - 1;
  else if (a === 'y' || a === 'yes') goal = options.findIndex((o) => /^Yes\b/i.test(o));
  else if (a === 'n' || a === 'no') {
    goal = options.findIndex((o) => /^No\b/i.test(o));
    if (goal < 0) return ['C-d'];
  } else goal = optionIndex(options, a) ?? -1;
  if (goal < 0 || goal >= options.length) return undefined;
  const moves = first + goal - cursor;
  return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
}

/** CAO tool vocabulary → Copilot's built-in tool names (seen in its requests, 1.0.102). */
const TOOL_MAP: ToolMap = {
  execute_bash: ['bash', 'read_bash', 'write_bash', 'stop_bash', 'list_bash', 'task'],
  fs_read: ['view'],
  fs_write: ['create', 'edit'],
  fs_list: ['glob', 'grep'],
  web_fetch: ['web_fetch'],
};

/** Built-in tools to hide from the model for a restricted tool list; none when unrestricted. */
export function excludedTools(allowed: string[] | null): string[] {
  return deniedTools(allowed, TOOL_MAP);
}

const CAO_MCP_SERVER = 'cao-mcp-server';

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['copilot'];
  // --allow-all = --allow-all-tools --allow-all-paths --allow-all-urls (alias --yolo); without
  // it Copilot asks before shell commands, edits, MCP tools and paths outside the folder
  if (ctx.yolo) argv.push('--allow-all');
  // the profile, installed by `cao install` as ~/.copilot/agents/<name>.agent.md
  if (ctx.profile.systemPrompt.trim() !== '') argv.push('--agent', ctx.profile.name);
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  const files: LaunchFile[] = [];
  if (Object.keys(ctx.mcpServers).length > 0) {
    // a file (`@path`) keeps the servers' environment out of the process list
    const mcpFile = join(ctx.tmpDir, `${ctx.terminalId}.mcp.json`);
    const servers = Object.fromEntries(
      Object.entries(ctx.mcpServers).map(([name, s]) => [
        name,
        isHttpMcp(s)
          ? { type: 'http', url: s.url, headers: httpHeaders(s), tools: ['*'] }
          : { type: 'local', command: s.command, args: s.args, env: s.env, tools: ['*'] },
      ]),
    );
    files.push({ path: mcpFile, content: JSON.stringify({ mcpServers: servers }, null, 2) });
    argv.push('--additional-mcp-config', `@${mcpFile}`);
    // cao's own tools are how agents hand work to each other: never ask for them
    if (ctx.mcpServers[CAO_MCP_SERVER]) argv.push(`--allow-tool=${CAO_MCP_SERVER}`);
  }
  for (const tool of excludedTools(ctx.allowedTools)) argv.push(`--excluded-tools=${tool}`);
  // no self-update in the middle of a session
  return { argv, files, env: { COPILOT_AUTO_UPDATE: 'false' } };
}

/** `~/.copilot/agents/<name>.agent.md`: the profile as a Copilot custom agent (reference §9.4). */
function installFiles(ctx: InstallContext): LaunchFile[] {
  const raw = ctx.profile.raw['prompt'];
  const body = ctx.profile.systemPrompt.trim() !== '' ? ctx.profile.systemPrompt : raw;
  const frontmatter = [
    '---',
    `name: ${JSON.stringify(ctx.profile.name)}`,
    `description: ${JSON.stringify(ctx.profile.description)}`,
    '---',
  ].join('\n');
  const text = typeof body === 'string' ? body.trim() : '';
  return [
    {
      path: join(ctx.home, '.copilot', 'agents', `${ctx.profile.name}.agent.md`),
      content: `${frontmatter}\n\n${text}\n`,
    },
  ];
}

export const copilotCli: Provider = {
  id: 'copilot_cli',
  label: 'GitHub Copilot CLI',
  binary: 'copilot',
  installHint: 'npm install -g @github/copilot',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  launch,
  detect,
  startupKeys,
  inputText,
  lastMessage,
  answerKeys,
  installFiles,
  exit: { text: '/exit' },
  // `--session-id` names a new conversation (a UUID); its log is then
  // ~/.copilot/session-state/<id>/events.jsonl, the terminal's own (logs/copilot.ts)
  conversationArgs: (id) => ['--session-id', id],
  resumeArgs: (argv, id) => [...argv, ...(id ? ['--resume', id] : ['--continue'])],
};
