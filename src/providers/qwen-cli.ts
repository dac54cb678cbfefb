/**
 * Qwen Code (`qwen`, @qwen-code/qwen-code, a Gemini CLI fork; needs Node 22). Screen reader for
 * its Ink TUI: the banner box (`>_ Qwen Code (v0.24.4)`), a transcript of user lines
 * (`  > text`), answers (`  ◆︎ text`, continued four spaces in), tool lines (`  ✓ Shell …`,
 * `  - Shell …` when refused) and errors (`  ✕ [API Error: 400 …]`); then the input box between
 * two rules (`>   Type your message or @path/to/file`, `*` in yolo mode) and the footer
 * (`⏸ Ask permissions …` / `YOLO mode …`). The box stays on screen while a turn runs; the busy
 * line above it (`<phrase>... (2s · esc to cancel)`) and the footer's `Enter to steer · Ctrl+Q
 * to queue` say it runs. HTTP 5xx retries show nothing else. Permission prompts and the trust
 * dialog are `›`-cursor menus drawn instead of the box. Verified against the captures in
 * ../shared and testdata/qwen_cli (0.24.4).
 */
import { join } from 'node:path';
import { createFamilyReader, mcpServersJson, type TurnMarkers } from './gemini-family.js';
import type { Detection, LaunchContext, LaunchFile, LaunchSpec, Provider } from './provider.js';
import { evidence, lastIndexMatching } from './screen.js';
import { deniedTools, type ToolMap } from './tools.js';

/** The banner box's title line; a restart (after the trust dialog) draws a new one. */
const BANNER_RE = /│ >_ Qwen Code \(v\d+\.\d+/u;
/** The full-width rules above and below the input box. */
const RULE_RE = /^─{20,}$/u;
/** The input line: `>` normal, `*` yolo, `!` shell mode. */
const PROMPT_RE = /^([>*!]) /u;
const MARKERS: TurnMarkers = {
  // two spaces in; an answer that quotes `> x` is indented four or more
  user: /^ {2}> \S/u,
  // ◆ (U+25C6) with a text-presentation selector (U+FE0E)
  response: /^ {2}◆\uFE0E?\s/u,
  error: /^ {2}✕ /u,
  // a tool call the user refused (`  - Shell echo …`); Esc during a turn instead puts the
  // message back into the input box and removes it from the transcript
  cancelled: /^ {2}- \S/u,
};
/**
 * The busy line's timer: `(2s · esc to cancel)`, `(0s · ↑ 24 tokens · esc to cancel)`. A narrow
 * pane wraps it onto the next row, so it is matched on the rows above the box joined.
 */
const BUSY_RE = /\(\d[^()]*·\s*esc to\s+cancel\)/u;
/** The footer while a turn runs: messages typed now steer or queue. */
const BUSY_FOOTER_RE = /\bEnter to steer\b|\bCtrl\+Q to queue\b/;
/**
 * The footer's count of messages Qwen holds until it can take them (`⏳ 1 queued`: typed while
 * it was still busy, e.g. reading its context files after a resume): work to do.
 */
const QUEUED_FOOTER_RE = /⏳\uFE0F?\s*\d+\s+queued\b/u;
/**
 * "Do you trust this folder?" › 1. Trust folder (<dir>) / 2. Trust parent folder / 3. Don't
 * trust (esc). Shown only when the user enabled security.folderTrust.
 */
const TRUST_RE = /Do you trust this folder\?/;
const PERMISSION_RE = /Allow execution of\b/;
/** The status line under a permission prompt. */
const CONFIRMATION_RE = /Waiting for user confirmation\b/;
/**
 * The ask_user_question tool's widget: its tool line `? AskUserQuestion Ask user 1 question`,
 * then the header, the question and a menu (with "Waiting for user confirmation…" below).
 */
const ASK_RE = /^\s*\?\s+AskUserQuestion\b/u;
const EXITED_RE = /^To continue this session, run$|^qwen --resume\b/;

interface Box {
  /** Index of the rule above the input. */
  top: number;
  /** Index of the rule below the input. */
  bottom: number;
  /** The input lines: the prompt line and its continuation lines. */
  input: string[];
}

/** The last two rules with a prompt line right after the first. */
function findBox(lines: readonly string[]): Box | undefined {
  const bottom = lastIndexMatching(lines, RULE_RE);
  if (bottom < 1) return undefined;
  const top = lastIndexMatching(lines, RULE_RE, bottom - 1);
  if (top < 0 || bottom - top > 30) return undefined;
  const input = lines.slice(top + 1, bottom);
  if (!PROMPT_RE.test(input[0] ?? '')) return undefined;
  return { top, bottom, input };
}

/** The busy line right above the box (two spaces, the spinner, a phrase, the timer). */
function busyLine(lines: readonly string[], top: number): string | undefined {
  for (let i = Math.max(0, top - 3); i < top; i++) {
    const l = lines[i] ?? '';
    if (!/^ {2}\S/u.test(l) || MARKERS.response.test(l) || MARKERS.user.test(l)) continue;
    const joined = lines
      .slice(i, top)
      .map((r) => r.trim())
      .join(' ');
    if (BUSY_RE.test(joined)) return l;
  }
  return undefined;
}

/** The busy line above the box or the footer below it: a turn runs. */
function busy(lines: readonly string[], box: Box): Detection | undefined {
  const line = busyLine(lines, box.top);
  if (line) return { status: 'processing', rule: 'esc-to-cancel', evidence: evidence(line) };
  const below = lines.slice(box.bottom + 1);
  const footer = below.find((l) => BUSY_FOOTER_RE.test(l));
  if (footer) return { status: 'processing', rule: 'footer-steer', evidence: evidence(footer) };
  const queued = below.find((l) => QUEUED_FOOTER_RE.test(l));
  if (queued) return { status: 'processing', rule: 'message-queued', evidence: evidence(queued) };
  return undefined;
}

/**
 * Without the scrollbar Qwen draws in the last column once its transcript outgrows the screen
 * (` │` beside each row, `█` for the thumb): a space and the bar at the end of lines that are
 * not rows of a box of Qwen's own (`│ … │`), when many lines have it (wide characters make
 * the column's index differ from line to line, so it is found by its shape).
 */
function withoutScrollbar(lines: readonly string[]): string[] {
  const barred = (l: string): boolean => /\s[│█]$/u.test(l) && !/^[│╭╰]./u.test(l.trim());
  if (lines.filter(barred).length < SCROLLBAR_MIN_ROWS) return [...lines];
  return lines.map((l) => (barred(l) ? l.slice(0, -1).trimEnd() : l));
}
/** Rows with a bar at their end before they are read as a scrollbar. */
const SCROLLBAR_MIN_ROWS = 8;

const reader = createFamilyReader({
  banner: BANNER_RE,
  cleanLines: withoutScrollbar,
  findBox,
  prompt: PROMPT_RE,
  inputIndent: /^ {2}/,
  busy,
  transcriptEnd: (_lines, box) => box.top,
  markers: MARKERS,
  answerIndent: '    ',
  dialogs: {
    trust: TRUST_RE,
    permission: [PERMISSION_RE, CONFIRMATION_RE],
    ask: { title: ASK_RE, footer: /^\s*↑\/↓: Navigate \| Enter: Select\b/u, digits: true },
    menuCursor: /^[\s│]*›\s*\d+\./u,
    exited: EXITED_RE,
  },
});

/** CAO tool vocabulary → Qwen Code's built-in tool names (0.24.4 `ToolNames`). */
const TOOL_MAP: ToolMap = {
  execute_bash: ['run_shell_command', 'exec', 'monitor', 'agent'],
  fs_read: ['read_file'],
  fs_write: ['edit', 'write_file', 'notebook_edit'],
  fs_list: ['glob', 'grep_search', 'list_directory'],
  web_fetch: ['web_fetch', 'web_search'],
};

/** Qwen's own `--approval-mode` values; a profile's `permissionMode` is used when it is one. */
const APPROVAL_MODES = ['default', 'auto-edit', 'auto', 'plan'];

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['qwen'];
  if (ctx.yolo) argv.push('--yolo');
  else {
    // Qwen's own default is "auto" (an LLM classifier approves or blocks each call without
    // asking); "default" asks, which is what cao's normal mode means.
    const mode = ctx.profile.permissionMode;
    argv.push('--approval-mode', mode && APPROVAL_MODES.includes(mode) ? mode : 'default');
  }
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  // Appended to the built-in prompt (after loaded memory). 0.24.4 takes it only as text.
  if (ctx.profile.systemPrompt.trim() !== '') {
    argv.push('--append-system-prompt', ctx.profile.systemPrompt);
  }
  const files: LaunchFile[] = [];
  if (Object.keys(ctx.mcpServers).length > 0) {
    // Merged over the servers in the user's settings, for this run only.
    const mcpFile = join(ctx.tmpDir, `${ctx.terminalId}.mcp.json`);
    files.push({ path: mcpFile, content: mcpServersJson(ctx.mcpServers) });
    argv.push('--mcp-config', mcpFile);
  }
  for (const tool of deniedTools(ctx.allowedTools, TOOL_MAP)) argv.push('--exclude-tools', tool);
  return { argv, files };
}

export const qwenCli: Provider = {
  id: 'qwen_cli',
  label: 'Qwen Code',
  binary: 'qwen',
  installHint: 'npm install -g @qwen-code/qwen-code (needs Node.js 22 or newer)',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  launch,
  ...reader,
  exit: { text: '/quit' },
  conversationArgs: (id) => ['--session-id', id],
  resumeArgs: (argv, id) => [...argv, ...(id ? ['--resume', id] : ['--continue'])],
};
