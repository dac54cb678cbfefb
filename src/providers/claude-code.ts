/**
 * Claude Code (`claude`). Screen reader for its inline TUI (2.x): a transcript of user
 * messages (`❯ text`) and responses (`● text`), then a boxed input prompt between two rules,
 * then a footer. Verified against the captures in ../shared (2.1.168 raw stream, 2.1.331).
 */
import { join } from 'node:path';
import { CaoError } from '../lib/errors.js';
import {
  httpHeaders,
  isHttpMcp,
  type Detection,
  type LaunchContext,
  type LaunchSpec,
  type Provider,
} from './provider.js';
import {
  CUT_NOTE,
  blankOrDeadPane,
  evidence,
  isRule,
  lastIndexMatching,
  noSuchOption,
  optionIndex,
  screenLines,
  numberedQuestion,
  selectOption,
} from './screen.js';
import { claudeSessionId } from './logs/claude.js';
import { deniedTools, type ToolMap } from './tools.js';

/** A transcript line holding a user message. Older releases drew `>` instead of `❯`. */
const USER_RE = /^[❯>][\s\u00a0]+\S/u;
/** The first line of a response block (`●`, older `⏺`); never the right-aligned effort footer. */
const RESPONSE_RE = /^[●⏺][\s\u00a0]+\S/u;
const EFFORT_FOOTER_RE = /\/effort\s*$/;
/** The working line while a turn runs: `· Flibbertigibbeting…`, `✢ Cultivating… (1s · …)`. */
const SPINNER_RE = /^\s*[·✢✳✶✻✽✺*][\s\u00a0]+\S.*…/u;
/** The line a finished turn leaves: `✻ Cooked for 7s · done 9:12 PM`, `✻ Sautéed for 1s`. */
const SUMMARY_RE = /^\s*[·✢✳✶✻✽✺*][\s\u00a0]+(?!Waiting\b)\S+ for \d+(?:\.\d+)?\s*[smh]\b/u;
/** `✻ Waiting for 2 workflows to finish…`: the turn is not over (original CAO issue #392). */
const BACKGROUND_WAIT_RE =
  /^\s*[·✢✳✶✻✽✺*][\s\u00a0]+Waiting for\b.*\b(?:workflows?|tasks?|agents?|to finish|background)\b/u;
/** HTTP 5xx retry line, e.g. `✻ 500 … · retrying in 1s · attempt 4/10`. */
const RETRY_RE = /·\s*retrying in \d+/;
const BUSY_FOOTER_RE = /\besc to interrupt\b/;
const API_ERROR_RE = /^[●⏺][\s\u00a0]+API Error\b/u;
const BYPASS_DIALOG_RE = /Yes, I accept/;
const TRUST_DIALOG_RE = /Yes, I trust this folder/;
const PERMISSION_RE =
  /Do you want to (?:proceed|make this edit|create|run|allow|use)\b|Would you like to proceed\?/;
const CHOICE_FOOTER_RE = /Esc to cancel|Enter to confirm|↑\/↓ to navigate/;
const EXITED_RE = /^Resume this session with:/;
/** `⎿  Interrupted · What should Claude do instead?`: the user stopped the turn. */
const INTERRUPTED_RE = /^\s*⎿\s+Interrupted\b/u;

/** The AskUserQuestion widget's footer, the last line on the screen while it waits. */
const ASK_FOOTER_RE = /^\s*Enter to select\b.*\bEsc to cancel\b/;
/** An option of that widget: `❯ 1. Red`, `  2. Blue` (its description is indented deeper). */
const ASK_OPTION_RE = /^\s{0,3}(?:❯\s*)?(\d+)\.\s+(\S.*)$/u;
/** The widget's tab bar above the question: `☐ Colour`, `←  ☐ Colour  ✔ Submit  →`. */
const ASK_TABS_RE = /^\s*(?:←\s+)?[☐☒✔□■]\s/u;

interface AskWidget {
  text: string;
  options: string[];
  /** Option index (0-based) under the `❯` cursor. */
  cursor: number;
  footer: string;
}

/**
 * Claude Code's AskUserQuestion widget: a rule, the tab bar, the question, numbered options
 * (with "Type something." and "Chat about this" last), and the "Enter to select" footer as the
 * screen's last line. That position is what tells it from an answer quoting the footer.
 */
function askWidget(lines: readonly string[]): AskWidget | undefined {
  const footerAt = lines.length - 1;
  const footer = lines[footerAt] ?? '';
  if (!ASK_FOOTER_RE.test(footer)) return undefined;
  const top = lastIndexMatching(lines, /^\s*[─━]{20,}\s*$/, footerAt - 1);
  // the rule above the tab bar: the widget draws a second rule among its last options
  let header = top;
  for (let i = top; i >= Math.max(0, footerAt - 60); i--) {
    if (isRule(lines[i] ?? '') && ASK_TABS_RE.test(lines[i + 1] ?? '')) {
      header = i + 1;
      break;
    }
  }
  if (header < 0) return undefined;
  const options: string[] = [];
  let cursor = 0;
  let first = -1;
  for (let i = header; i < footerAt; i++) {
    const m = ASK_OPTION_RE.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2] || Number(m[1]) !== options.length + 1) continue;
    if (first < 0) first = i;
    if (/^\s*❯/u.test(lines[i] ?? '')) cursor = options.length;
    options.push(m[2].trim());
  }
  if (options.length < 2 || first < 0) return undefined;
  const text = lines
    .slice(header, first)
    .filter((l) => !ASK_TABS_RE.test(l) && l.trim() !== '')
    .map((l) => l.trim())
    .join(' ');
  return { text, options, cursor, footer };
}

interface Box {
  /** Index of the rule above the input line. */
  top: number;
  /** Index of the rule below the input. */
  bottom: number;
  /** The lines between the rules. */
  input: string[];
}

/** The input box: the last two rules with a `❯`/`>` prompt line between them. */
function findBox(lines: readonly string[]): Box | undefined {
  const bottom = lastIndexMatching(lines, /^\s*[─━]{20,}\s*$/);
  if (bottom < 1) return undefined;
  const top = lastIndexMatching(lines, /^\s*[─━]{20,}\s*$/, bottom - 1);
  if (top < 0 || bottom - top > 12) return undefined;
  const input = lines.slice(top + 1, bottom);
  if (!input.some((l) => /^\s*[❯>]/u.test(l))) return undefined;
  return { top, bottom, input };
}

function boxText(box: Box): string {
  const first = box.input.findIndex((l) => /^\s*[❯>]/u.test(l));
  return box.input
    .slice(first)
    .map((l, i) => (i === 0 ? l.replace(/^\s*[❯>][\s\u00a0]?/u, '') : l))
    .map((l) => l.replace(/\u00a0/g, ' ').trim())
    .filter((l) => l !== '' && !SUMMARY_RE.test(l))
    .join('\n');
}

function detect(screen: string): Detection {
  const lines = screenLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;

  const tail = lines.slice(-25);

  // before the input box: the widget's `❯ 1.` cursor between two rules looks like one
  const ask = askWidget(lines);
  if (ask) {
    return {
      status: 'waiting_user_answer',
      rule: 'ask-user-question',
      evidence: evidence(ask.text, ask.footer),
      question: { text: ask.text, options: ask.options },
    };
  }

  const box = findBox(lines);
  if (!box) {
    const find = (re: RegExp): string | undefined => tail.find((l) => re.test(l));
    const bypass = find(BYPASS_DIALOG_RE);
    if (bypass) return waiting('bypass-permissions-dialog', bypass);
    const trust = find(TRUST_DIALOG_RE);
    if (trust) return waiting('trust-folder-dialog', trust);
    const permission = find(PERMISSION_RE);
    if (permission) {
      return asking(
        waiting('permission-prompt', permission, find(/^\s*❯\s*1\./u)),
        numberedQuestion(tail, permission.trim()),
      );
    }
    const choice = find(CHOICE_FOOTER_RE);
    if (choice) return asking(waiting('choice-dialog', choice), numberedQuestion(tail));
    const exited = find(EXITED_RE);
    if (exited) return { status: 'error', rule: 'cli-exited', evidence: evidence(exited) };
    return { status: 'unknown', rule: 'no-input-box', evidence: evidence(lines.at(-1)) };
  }

  const footer = lines.slice(box.bottom + 1);
  const above = lines.slice(0, box.bottom);
  const userIdx = lastIndexMatching(above, USER_RE, box.top - 1);
  const turn = above.slice(userIdx + 1);
  const spinner = lastIndexMatching(turn, SPINNER_RE);
  const summary = lastIndexMatching(turn, SUMMARY_RE);
  const responses = turn
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => RESPONSE_RE.test(l) && !EFFORT_FOOTER_RE.test(l));
  const lastResponse = responses.at(-1);
  const userLine = userIdx >= 0 ? above[userIdx] : undefined;

  const typed = boxText(box);
  // A completion summary after the last spinner ends the turn, even if a stale footer still
  // says "esc to interrupt" (seen in raw streams where only part of the footer was redrawn).
  if (summary > spinner) {
    // Text in the box comes first, as for every other CLI. Esc before any answer drops the
    // turn from the transcript and puts the message back in the box, leaving the previous
    // turn's summary as the last thing above it: that is not this message's completion.
    if (typed !== '') {
      return { status: 'idle', rule: 'input-pending', evidence: evidence(box.input.join(' ')) };
    }
    if (lastResponse && API_ERROR_RE.test(lastResponse.l)) {
      return { status: 'error', rule: 'api-error', evidence: evidence(lastResponse.l) };
    }
    return { status: 'completed', rule: 'completion-summary', evidence: evidence(turn[summary]) };
  }
  const busy = footer.find((l) => BUSY_FOOTER_RE.test(l));
  if (busy) {
    const retry = turn.find((l) => RETRY_RE.test(l));
    return {
      status: 'processing',
      rule: retry ? 'api-retrying' : 'footer-esc-to-interrupt',
      evidence: evidence(retry ?? turn[spinner], busy),
    };
  }
  if (spinner >= 0)
    return { status: 'processing', rule: 'spinner', evidence: evidence(turn[spinner]) };
  const wait = turn.find((l) => BACKGROUND_WAIT_RE.test(l));
  if (wait) return { status: 'processing', rule: 'background-wait', evidence: evidence(wait) };

  if (typed !== '') {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(box.input.join(' ')) };
  }
  if (userIdx < 0 && !lastResponse) {
    return { status: 'idle', rule: 'empty-prompt', evidence: evidence(box.input[0]) };
  }
  const interrupted = turn.findLast((l) => INTERRUPTED_RE.test(l));
  if (interrupted && (!lastResponse || turn.lastIndexOf(interrupted) > lastResponse.i)) {
    return { status: 'idle', rule: 'interrupted', evidence: evidence(interrupted) };
  }
  if (!lastResponse) {
    return { status: 'processing', rule: 'awaiting-response', evidence: evidence(userLine) };
  }
  if (API_ERROR_RE.test(lastResponse.l)) {
    return { status: 'error', rule: 'api-error', evidence: evidence(lastResponse.l) };
  }
  return { status: 'completed', rule: 'response', evidence: evidence(lastResponse.l) };
}

/** A waiting detection with the question the screen shows, when it shows one. */
function asking(d: Detection, question: Detection['question']): Detection {
  return question ? { ...d, question } : d;
}

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  return { status: 'waiting_user_answer', rule, evidence: evidence(...lines) };
}

function startupKeys(screen: string): string[] | undefined {
  const lines = screenLines(screen);
  if (findBox(lines)) return undefined;
  const tail = lines.slice(-25);
  // "❯ No, exit / Yes, I accept" (bypass-permissions warning) and "❯ No, exit / Yes, I trust
  // this folder" (first start in a folder): move the cursor to the yes option and take it.
  if (tail.some((l) => BYPASS_DIALOG_RE.test(l))) return selectOption(tail, BYPASS_DIALOG_RE);
  if (tail.some((l) => TRUST_DIALOG_RE.test(l))) return selectOption(tail, TRUST_DIALOG_RE);
  return undefined;
}

/**
 * Picks an option of a permission prompt or choice menu: a number, or yes / no. In the
 * AskUserQuestion widget: a number or an option's text; anything else is refused with the list.
 */
function answerKeys(screen: string, answer: string): string[] | undefined {
  const ask = askWidget(screenLines(screen));
  if (ask) {
    const goal = optionIndex(ask.options, answer);
    if (goal === undefined) throw noSuchOption(ask.options, answer);
    const moves = goal - ask.cursor;
    return [...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'];
  }
  const lines = screenLines(screen).slice(-30);
  const a = answer.trim().toLowerCase();
  if (/^\d+$/.test(a)) return selectOption(lines, new RegExp(`^\\s*(?:❯\\s*)?${a}\\.\\s`, 'u'));
  if (a === 'y' || a === 'yes') return selectOption(lines, /^\s*(?:❯\s*)?(?:\d+\.\s*)?Yes\b/u);
  if (a === 'n' || a === 'no') {
    return selectOption(lines, /^\s*(?:❯\s*)?(?:\d+\.\s*)?No\b/u) ?? ['Escape'];
  }
  return undefined;
}

function inputText(screen: string): string | undefined {
  const lines = screenLines(screen);
  if (askWidget(lines)) return undefined;
  const box = findBox(lines);
  return box ? boxText(box) : undefined;
}

/**
 * The rest of a reply taller than the screen (Claude Code draws on the alternate screen, so
 * nothing is kept above it): the screen starts inside the answer block (two-space indent), with
 * no user message and no banner in view. Said to be cut; undefined for any other screen.
 */
function replyTail(above: readonly string[]): string | undefined {
  const first = above.findIndex((l) => l.trim() !== '');
  if (first < 0 || !/^ {2}\S/.test(above[first] ?? '')) return undefined;
  if (above.some((l) => /\bClaude Code v\d/.test(l))) return undefined;
  const out: string[] = [];
  for (const l of above.slice(first)) {
    if (l !== '' && !/^ {2}/.test(l)) break;
    out.push(l.replace(/^ {2}/, ''));
  }
  return `${CUT_NOTE}\n${out.join('\n').trim()}`;
}

function lastMessage(history: string): string | undefined {
  const lines = screenLines(history);
  const box = findBox(lines);
  const above = box ? lines.slice(0, box.top) : lines;
  const userIdx = lastIndexMatching(above, USER_RE);
  let start = -1;
  for (let i = above.length - 1; i > userIdx; i--) {
    const l = above[i] ?? '';
    if (RESPONSE_RE.test(l) && !EFFORT_FOOTER_RE.test(l)) {
      start = i;
      break;
    }
  }
  if (start < 0 && userIdx < 0) return replyTail(above);
  if (start < 0) return undefined;
  const out = [(above[start] ?? '').replace(/^[●⏺][\s\u00a0]+/u, '')];
  for (let i = start + 1; i < above.length; i++) {
    const l = above[i] ?? '';
    if (l !== '' && !/^ {2}/.test(l)) break;
    if (isRule(l)) break;
    out.push(l.replace(/^ {2}/, ''));
  }
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
  const text = out.join('\n').trim();
  return text === '' ? undefined : text;
}

/** Claude Code's limit on one MCP tool call: above handoff's longest timeout (3600 s). */
const MCP_TOOL_TIMEOUT_MS = 3_700_000;

/** Variables that make Claude Code believe it runs nested inside another Claude session. */
const KEEP_CLAUDE_ENV_RE =
  /^(?:CLAUDE_CONFIG_DIR|CLAUDE_CODE_(?:USE_|SKIP_|DISABLE_|ENABLE_|EFFORT_LEVEL|MAX_|OAUTH_TOKEN|API_KEY|GIT_BASH_PATH|SHELL))/;

function launch(ctx: LaunchContext): LaunchSpec {
  const argv = ['claude'];
  // Agents run unattended, so cao does not let Claude stop at permission prompts: what an agent
  // may do is decided once, by cao's tool policy (yolo = everything; otherwise the profile's
  // allowed tools, enforced below with --disallowedTools), as the original CAO does. A profile
  // that wants Claude's own prompts sets `permissionMode` (then answer_user_prompt answers them).
  if (!ctx.yolo) {
    argv.push('--permission-mode', ctx.profile.permissionMode ?? 'default');
  } else {
    if (ctx.isRoot && ctx.env['IS_SANDBOX'] !== '1') {
      throw new CaoError(
        'INVALID_INPUT',
        'Claude Code refuses to skip permission prompts (--dangerously-skip-permissions) when run as root unless IS_SANDBOX=1 is set. ' +
          'If this machine is a sandbox, set IS_SANDBOX=1 in the environment of cao-server or pass `--env IS_SANDBOX=1` to `cao launch`; ' +
          "otherwise run cao as a normal user, or give the profile `permissionMode: default` to run with Claude's own prompts.",
      );
    }
    argv.push('--dangerously-skip-permissions');
  }
  // The bypass-mode warning would otherwise stop the first yolo start; this setting is the
  // documented way to skip it, passed per launch instead of editing ~/.claude/settings.json.
  argv.push('--settings', JSON.stringify({ skipDangerousModePermissionPrompt: true }));
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  if (ctx.profile.claudeConfig?.effort) argv.push('--effort', ctx.profile.claudeConfig.effort);
  if (ctx.profile.claudeConfig?.fallback_model) {
    argv.push('--fallback-model', ctx.profile.claudeConfig.fallback_model);
  }
  const files = [];
  if (ctx.profile.systemPrompt.trim() !== '') {
    const promptFile = join(ctx.tmpDir, `${ctx.terminalId}.prompt`);
    files.push({ path: promptFile, content: ctx.profile.systemPrompt });
    argv.push('--append-system-prompt-file', promptFile);
  }
  if (Object.keys(ctx.mcpServers).length > 0) {
    const mcpFile = join(ctx.tmpDir, `${ctx.terminalId}.mcp.json`);
    // `timeout` lifts Claude's 30-minute idle limit on a silent tool call (a long handoff). An
    // HTTP server's token goes in the headers of this file (mode 0600), never in an argument.
    const servers = Object.fromEntries(
      Object.entries(ctx.mcpServers).map(([name, s]) => [
        name,
        isHttpMcp(s)
          ? { type: 'http', url: s.url, headers: httpHeaders(s), timeout: MCP_TOOL_TIMEOUT_MS }
          : {
              type: 'stdio',
              command: s.command,
              args: s.args,
              env: s.env,
              timeout: MCP_TOOL_TIMEOUT_MS,
            },
      ]),
    );
    files.push({ path: mcpFile, content: JSON.stringify({ mcpServers: servers }, null, 2) });
    argv.push('--mcp-config', mcpFile, '--strict-mcp-config');
  }
  for (const tool of disallowedTools(ctx.allowedTools)) argv.push('--disallowedTools', tool);
  const unsetEnv = Object.keys(ctx.env).filter(
    (k) => k.startsWith('CLAUDE') && !KEEP_CLAUDE_ENV_RE.test(k),
  );
  const env: Record<string, string> = {
    // connect MCP servers before the first turn: otherwise a task sent right after start-up
    // reaches the model without cao's tools
    MCP_CONNECTION_NONBLOCKING: 'false',
  };
  // handoff blocks an MCP tool call for as long as the worker works (up to an hour)
  if (!ctx.env['MCP_TOOL_TIMEOUT']) env['MCP_TOOL_TIMEOUT'] = String(MCP_TOOL_TIMEOUT_MS);
  return { argv, files, unsetEnv, env };
}

/** CAO tool vocabulary → Claude Code's native tool names (reference §5.3). */
const TOOL_MAP: ToolMap = {
  execute_bash: ['Bash', 'BashOutput', 'KillShell', 'Task', 'Agent', 'Monitor'],
  fs_read: ['Read'],
  fs_write: ['Edit', 'Write', 'NotebookEdit'],
  fs_list: ['Glob', 'Grep'],
  web_fetch: ['WebFetch', 'WebSearch'],
};

/** Native tools to deny for a restricted tool list; none when unrestricted. */
export function disallowedTools(allowed: string[] | null): string[] {
  return deniedTools(allowed, TOOL_MAP);
}

export const claudeCode: Provider = {
  id: 'claude_code',
  label: 'Claude Code',
  binary: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  versionArgs: ['--version'],
  mcpTransport: 'http',
  mcpListsTools: 'start',
  launch,
  detect,
  startupKeys,
  inputText,
  lastMessage,
  answerKeys,
  exit: { text: '/exit' },
  // `--session-id` names the conversation; `--resume` continues it (its transcript is kept
  // per working directory under ~/.claude/projects)
  conversationArgs: (id) => ['--session-id', id],
  // its session log is then ~/.claude/projects/…/<this id>.jsonl: the terminal's own (logs/claude.ts)
  conversationIdFor: claudeSessionId,
  resumeArgs: (argv, id) => [...argv, ...(id ? ['--resume', id] : ['--continue'])],
};
