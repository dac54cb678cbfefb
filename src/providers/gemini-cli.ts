/**
 * Gemini CLI (`gemini`, @google/gemini-cli). Screen reader for its Ink TUI: the banner
 * (`Gemini CLI v0.61.0`), a transcript of user lines (` > text`, boxed by `▄`/`▀` rows, which
 * are blank rows without true colour), answers (`✦ text`, continued two spaces in), tool boxes
 * (`╭ … ╯`), errors (`✕ [API Error: …]`) and notices (`ℹ Request cancelled.`); then a rule,
 * the mode line (`Shift+Tab to accept edits` / `YOLO Ctrl+Y`), the input box (` >   Type your
 * message or @path/to/file`, ` * ` in yolo mode) and the footer. The input box stays on screen
 * while a turn runs; the busy line above the rule (`⠧ Thinking... (esc to cancel, 2s)`, the
 * phrase varies) is what says it runs. HTTP 5xx retries show nothing else. Permission prompts
 * and the trust dialog are `●`-cursor menus drawn instead of the input box. Verified against
 * the captures in ../shared and testdata/gemini_cli (0.61.0).
 */
import { join } from 'node:path';
import { createFamilyReader, mcpServersJson, type TurnMarkers } from './gemini-family.js';
import type { Detection, LaunchContext, LaunchFile, LaunchSpec, Provider } from './provider.js';
import { evidence, lastIndexMatching } from './screen.js';
import { deniedTools, type ToolMap } from './tools.js';

/**
 * The banner's version line (` ▝▜▄     Gemini CLI v0.61.0`; the logo gets rows of its own in a
 * narrow pane); a restart draws a new one.
 */
const BANNER_RE = /^(?:\s*[▀-▟]+\s+| ?)Gemini CLI v\d+\.\d+\.\d+\S*$/u;
/** The full-width rule between the transcript and the mode line above the input box. */
const RULE_RE = /^─{20,}$/u;
/** The input line: `>` normal, `*` yolo, `!` shell mode. */
const PROMPT_RE = /^ ([>*!]) /u;
const MARKERS: TurnMarkers = {
  // ` > text` at column 1; an answer that quotes `> x` is indented two spaces
  user: /^ > \S/u,
  response: /^✦ /u,
  error: /^✕ /u,
  // Esc during a turn, and a refused tool call, both end the turn with this notice
  cancelled: /^ℹ Request cancelled\./u,
};
/** The busy line starts with one space and the spinner glyph (`⠧`), then a phrase... */
const BUSY_START_RE = /^ [^\s\w>*!] /u;
/** ...and ends with the timer, which a narrow pane wraps onto the next row. */
const BUSY_TIMER_RE = /\(esc to\s+cancel\b/u;
/** Right-aligned hints drawn above the rule (`? for shortcuts`). */
const HINT_RE = /^\s{40,}\S/u;
/**
 * "Do you trust the files in this folder?" ● 1. Trust folder (<dir>) / 2. Trust parent folder /
 * 3. Don't trust. Only a fallback: launch passes --skip-trust, so it should not show.
 */
const TRUST_RE = /Do you trust the files in this folder\?/;
const PERMISSION_RE =
  /Allow execution of\b|Action Required|Apply this change\?|Do you want to proceed\?/;
/** The ask_user tool's widget: a box titled `Answer Questions`, the question, a menu. */
const ASK_RE = /^\s*│\s*Answer Questions\s*│?\s*$/u;
const EXITED_RE = /To resume this session: gemini --resume\b|Agent powering down\. Goodbye!/;

interface Box {
  /** Index of the rule above the mode line. */
  rule: number;
  /** The input lines: the prompt line and its continuation lines. */
  input: string[];
}

/** The input box below the last rule: prompt line, then lines indented three spaces. */
function findBox(lines: readonly string[]): Box | undefined {
  const rule = lastIndexMatching(lines, RULE_RE);
  if (rule < 0) return undefined;
  let prompt = -1;
  for (let i = rule + 1; i < Math.min(lines.length, rule + 5) && prompt < 0; i++) {
    if (PROMPT_RE.test(lines[i] ?? '')) prompt = i;
  }
  if (prompt < 0) return undefined;
  let end = prompt + 1;
  while (end < lines.length && (lines[end] === '' || /^ {3}/.test(lines[end] ?? ''))) end++;
  return { rule, input: lines.slice(prompt, end) };
}

/** Index of the busy line in the rows right above the rule, or -1. */
function busyIndex(lines: readonly string[], rule: number): number {
  for (let i = Math.max(0, rule - 4); i < rule; i++) {
    if (!BUSY_START_RE.test(lines[i] ?? '')) continue;
    const joined = lines
      .slice(i, rule)
      .map((l) => l.trim())
      .join(' ');
    if (BUSY_TIMER_RE.test(joined)) return i;
  }
  return -1;
}

/** Index of the first line of the chrome above the rule (busy line, hints, blank rows). */
function chromeTop(lines: readonly string[], rule: number): number {
  const busy = busyIndex(lines, rule);
  let i = busy >= 0 ? busy : rule;
  while (i > 0) {
    const l = lines[i - 1] ?? '';
    if (l !== '' && !HINT_RE.test(l)) break;
    i--;
  }
  return i;
}

/** The busy line (` ⠧ Thinking... (esc to cancel, 2s)`) right above the rule: a turn runs. */
function busy(lines: readonly string[], box: Box): Detection | undefined {
  const i = busyIndex(lines, box.rule);
  if (i < 0) return undefined;
  // the line also carries the right-aligned `? for shortcuts` hint
  const phrase = (lines[i] ?? '').replace(/\s{3,}\S.*$/u, '');
  return { status: 'processing', rule: 'esc-to-cancel', evidence: evidence(phrase) };
}

const reader = createFamilyReader({
  banner: BANNER_RE,
  findBox,
  prompt: PROMPT_RE,
  inputIndent: /^ {3}/,
  busy,
  queued: /^ {2}Queued \(press ↑ to edit\):\s*$/u,
  transcriptEnd: (lines, box) => chromeTop(lines, box.rule),
  markers: MARKERS,
  answerIndent: '  ',
  dialogs: {
    trust: TRUST_RE,
    permission: [PERMISSION_RE],
    ask: { title: ASK_RE, footer: /^\s*│\s*Enter to select · ↑\/↓ to navigate\b/u },
    menuCursor: /^[\s│]*●\s*\d+\./u,
    exited: EXITED_RE,
  },
});

/** CAO tool vocabulary → Gemini CLI's built-in tool names (0.61.0, from its requests). */
const TOOL_MAP: ToolMap = {
  execute_bash: [
    'run_shell_command',
    'list_background_processes',
    'read_background_output',
    'invoke_agent',
  ],
  fs_read: ['read_file', 'read_many_files'],
  fs_write: ['write_file', 'replace'],
  fs_list: ['list_directory', 'glob', 'grep_search'],
  web_fetch: ['web_fetch', 'google_web_search'],
};

/** Gemini's own `--approval-mode` values; a profile's `permissionMode` is used when it is one. */
const APPROVAL_MODES = ['default', 'auto_edit', 'plan'];

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['gemini'];
  if (ctx.yolo) argv.push('--yolo');
  else {
    const mode = ctx.profile.permissionMode;
    argv.push('--approval-mode', mode && APPROVAL_MODES.includes(mode) ? mode : 'default');
  }
  // Untrusted folders get no MCP servers, and the trust dialog restarts the CLI. --skip-trust
  // trusts the working directory for this session only, without writing trustedFolders.json.
  argv.push('--skip-trust');
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);

  const files: LaunchFile[] = [];
  // CAO_TERMINAL_ID reaches MCP servers through the CLI's environment too, so a cao-mcp-server
  // the user registered in ~/.gemini/settings.json still knows its terminal (see below).
  const env: Record<string, string> = { CAO_TERMINAL_ID: ctx.terminalId };
  if (ctx.profile.systemPrompt.trim() !== '') {
    // Gemini CLI has no "append to the system prompt" option: GEMINI_SYSTEM_MD replaces its
    // built-in prompt with this file (the footer then shows |⌐■_■|).
    const promptFile = join(ctx.tmpDir, `${ctx.terminalId}.system.md`);
    files.push({ path: promptFile, content: ctx.profile.systemPrompt });
    env['GEMINI_SYSTEM_MD'] = promptFile;
  }
  if (Object.keys(ctx.mcpServers).length > 0 && ctx.rootOnlyDir !== undefined) {
    // The only per-launch way to add MCP servers is a "system settings" file, merged over the
    // user's settings (mcpServers merge by name). Gemini reads it only when it and every parent
    // directory are owned by root and not writable by group or others (else it skips it with a
    // "Security Warning" on screen), so it goes in the root-only directory cao finds when it
    // runs as root.
    const settingsFile = join(ctx.rootOnlyDir, `${ctx.terminalId}.settings.json`);
    files.push({ path: settingsFile, content: mcpServersJson(ctx.mcpServers) });
    env['GEMINI_CLI_SYSTEM_SETTINGS_PATH'] = settingsFile;
  }
  const denied = deniedTools(ctx.allowedTools, TOOL_MAP);
  if (denied.length > 0) {
    // Policy-engine deny rules remove the tools from the model's list, in yolo mode too.
    const policyFile = join(ctx.tmpDir, `${ctx.terminalId}.policy.toml`);
    const rules = denied.map(
      (t) => `[[rule]]\ntoolName = "${t}"\ndecision = "deny"\npriority = 900\n`,
    );
    files.push({
      path: policyFile,
      content: `# cao: tools denied to this terminal\n\n${rules.join('\n')}`,
    });
    argv.push('--policy', policyFile);
  }
  return { argv, env, files };
}

export const geminiCli: Provider = {
  id: 'gemini_cli',
  label: 'Gemini CLI',
  binary: 'gemini',
  installHint: 'npm install -g @google/gemini-cli',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  launch,
  ...reader,
  // typed, not pasted: a pasted "/quit" restarts the session instead of ending it (0.61)
  exit: { keys: ['/quit', 'Enter'] },
  // 0.61: `--session-id UUID` starts a new conversation under that id (its log's `sessionId`),
  // and `--resume` takes that id too ("latest" or an index otherwise): two Gemini agents in one
  // folder each find and continue their own
  conversationArgs: (id) => ['--session-id', id],
  resumeArgs: (argv, id) => [...argv, '--resume', id ?? 'latest'],
};
