/**
 * Kiro CLI (`kiro-cli chat`). NOT installable here (no npm package, no Debian package; it ships
 * as a binary download from https://kiro.dev), so this provider is built only from the original
 * CAO's captures (../shared/cao-fixtures/kiro_cli_*, kiro_trust_all_tools_dialog_*) and its
 * description of the provider (reference §5.4, §9.4). Nothing here was checked against a running
 * Kiro.
 *
 * Kiro has two screens:
 * - the legacy UI (`--legacy-ui`, forced in yolo mode as the original did): a scrolling
 *   transcript with `[agent] 17% λ > ` prompts and `> ` answers, read by kiro-family.ts (shared
 *   with the Q CLI, Kiro's predecessor);
 * - the default TUI (agent engine v2): a separator, the user's message and the answer indented
 *   two spaces, `▸ Credits: 0.24 • Time: 3s` when the turn ends, a separator, a header
 *   `developer · <model> · ◔ 4%   ~/project · (main)`, and the input line `Ask a question or
 *   describe a task ↵` (placeholder) or `Kiro is working` while busy.
 * Both start with the trust-all-tools consent dialog (Kiro 2.1+), which startupKeys accepts only
 * when verified (warning text and `❯ No, exit` on screen).
 *
 * Profiles are installed as `~/.kiro/agents/{name}.json` (installFiles); MCP servers live in that
 * file and `CAO_TERMINAL_ID` reaches cao-mcp-server through the environment Kiro inherits.
 */
import { join } from 'node:path';
import type {
  Detection,
  InstallContext,
  LaunchContext,
  LaunchFile,
  LaunchSpec,
  Provider,
} from './provider.js';
import {
  ERROR_RE,
  LEGACY_PROMPT_RE,
  agentFile,
  detectLegacy,
  legacyAnswerKeys,
  legacyInputText,
  legacyLastMessage,
  trustDialog,
  trustDialogKeys,
} from './kiro-family.js';
import { blankOrDeadPane, evidence, lastIndexMatching, screenLines } from './screen.js';

/** The TUI's empty input line (placeholder). */
const TUI_IDLE_RE = /Ask a question,? or describe a task/i;
/** The TUI's status header above the input: `developer · claude-opus-4.6-1m · ◔ 4%  ~/p · (main)`. */
const TUI_HEADER_RE = /^\s*\S.*\s·\s.*·\s+[◔◑◕●○◴◵◶◷]\s*\d+%/u;
const TUI_BUSY_RE = /^\s*(?:Kiro is working|Thinking\.\.\.)/;
/** The line that ends a TUI turn. */
const CREDITS_RE = /▸\s*Credits:\s*[\d.]+/u;
const SEPARATOR_RE = /^\s*─{20,}\s*$/u;
/** TUI permission menus (reference §5.4). */
const TUI_PERMISSION_RE =
  /Yes\s+No\s+Always [Aa]llow|Yes,\s*single permission[\s\S]{0,200}?Trust,\s*always allow[\s\S]{0,200}?No/;
/** Key hints drawn on the input line after the placeholder or the typed text. */
const INPUT_HINTS_RE = /\s*↵?\s+ctrl\+\w+: .*$/u;

/** The TUI's header line when it is at the bottom of the screen (the TUI is showing). */
function tuiHeader(lines: readonly string[]): number {
  const header = lastIndexMatching(lines, TUI_HEADER_RE);
  return header >= 0 && header >= lines.length - 6 ? header : -1;
}

/** The transcript block of the latest TUI turn: between the two separators above the header. */
function tuiTurn(lines: readonly string[], header: number): string[] {
  const lower = lastIndexMatching(lines, SEPARATOR_RE, header - 1);
  if (lower < 0) return [];
  const upper = lastIndexMatching(lines, SEPARATOR_RE, lower - 1);
  // the processing screen has no separator between the turn and the header
  const credits = lastIndexMatching(lines, CREDITS_RE, header - 1);
  if (upper < 0 && credits < lower) return lines.slice(lower + 1, header);
  return lines.slice(upper + 1, lower);
}

function detectTui(lines: readonly string[], header: number): Detection {
  const below = lines.slice(header + 1).filter((l) => l.trim() !== '');
  const busy = below.find((l) => TUI_BUSY_RE.test(l));
  if (busy) return { status: 'processing', rule: 'kiro-is-working', evidence: evidence(busy) };
  const recent = lines.slice(lastIndexMatching(lines, SEPARATOR_RE, header - 1) + 1).join('\n');
  const permission = TUI_PERMISSION_RE.exec(recent);
  if (permission) {
    return {
      status: 'waiting_user_answer',
      rule: 'permission-prompt',
      evidence: evidence(permission[0].split('\n')[0]),
    };
  }
  const typed = tuiInput(lines, header);
  if (typed) return { status: 'idle', rule: 'input-pending', evidence: evidence(typed) };
  const turn = tuiTurn(lines, header);
  const error = turn.find((l) => ERROR_RE.test(l));
  if (error) return { status: 'error', rule: 'api-error', evidence: evidence(error) };
  const credits = turn.findLast((l) => CREDITS_RE.test(l));
  if (credits) return { status: 'completed', rule: 'credits-line', evidence: evidence(credits) };
  const content = turn.filter((l) => l.trim() !== '');
  // answers without a credits line (reference §5.4 "no-credits fallback"): the user's message
  // and at least one answer line between the separators
  if (content.length >= 2) {
    return {
      status: 'completed',
      rule: 'turn-without-credits',
      evidence: evidence(content.at(-1)),
    };
  }
  return { status: 'idle', rule: 'tui-prompt', evidence: evidence(below[0]) };
}

/** Text on the TUI input line: '' for the placeholder, undefined while busy. */
function tuiInput(lines: readonly string[], header: number): string | undefined {
  const below = lines.slice(header + 1).filter((l) => l.trim() !== '');
  if (below.length === 0 || below.some((l) => TUI_BUSY_RE.test(l))) return undefined;
  if (below.some((l) => TUI_IDLE_RE.test(l))) return '';
  // unverified: assumes typed text replaces the placeholder on the same line(s)
  return below
    .map((l) => l.replace(INPUT_HINTS_RE, '').replace(/^\s*>?\s?/, ''))
    .join('\n')
    .trim();
}

function detect(screen: string): Detection {
  const lines = screenLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;
  const trust = trustDialog(lines);
  if (trust) return trust;
  const header = tuiHeader(lines);
  const legacyPrompt = lastIndexMatching(lines, LEGACY_PROMPT_RE);
  if (header > legacyPrompt) return detectTui(lines, header);
  return detectLegacy(lines);
}

function startupKeys(screen: string): string[] | undefined {
  return trustDialogKeys(screenLines(screen));
}

function inputText(screen: string): string | undefined {
  const lines = screenLines(screen);
  if (trustDialog(lines)) return undefined;
  const header = tuiHeader(lines);
  if (header > lastIndexMatching(lines, LEGACY_PROMPT_RE)) return tuiInput(lines, header);
  return legacyInputText(lines);
}

/**
 * TUI: the text between the separator above the last Credits line (or above the header when
 * there is none) and that line, without the first paragraph (the user's message echo).
 */
function tuiLastMessage(lines: readonly string[], header: number): string | undefined {
  const credits = lastIndexMatching(lines, CREDITS_RE, header - 1);
  const end = credits >= 0 ? credits : lastIndexMatching(lines, SEPARATOR_RE, header - 1);
  if (end < 0) return undefined;
  const start = lastIndexMatching(lines, SEPARATOR_RE, end - 1);
  const block = lines.slice(start + 1, end);
  let i = 0;
  while (i < block.length && (block[i] ?? '').trim() === '') i++;
  while (i < block.length && (block[i] ?? '').trim() !== '') i++;
  const text = block
    .slice(i)
    .map((l) => l.replace(/^ {2}/, ''))
    .join('\n')
    .trim();
  return text === '' ? undefined : text;
}

function lastMessage(history: string): string | undefined {
  const lines = screenLines(history);
  const header = tuiHeader(lines);
  if (header > lastIndexMatching(lines, LEGACY_PROMPT_RE)) return tuiLastMessage(lines, header);
  return legacyLastMessage(lines);
}

/** y/n/t at the legacy permission question; the TUI's menus are not verified, so free text. */
function answerKeys(screen: string, answer: string): string[] | undefined {
  return legacyAnswerKeys(screenLines(screen), answer);
}

function launch(ctx: LaunchContext): LaunchSpec {
  // reference §5.4: --trust-all-tools always (restrictions come from the installed agent
  // JSON's allowedTools); --legacy-ui in yolo mode
  const argv = ['kiro-cli', 'chat', '--agent-engine', 'v2'];
  if (ctx.yolo) argv.push('--legacy-ui');
  argv.push('--trust-all-tools');
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  argv.push('--agent', ctx.profile.name);
  return { argv };
}

/** `~/.kiro/agents/{name}.json`, as reference §9.4 describes. */
function installFiles(ctx: InstallContext): LaunchFile[] {
  return [agentFile(ctx, join(ctx.home, '.kiro', 'agents'))];
}

export const kiroCli: Provider = {
  id: 'kiro_cli',
  label: 'Kiro CLI',
  binary: 'kiro-cli',
  installHint: 'Download the Kiro CLI from https://kiro.dev (a binary download; not on npm)',
  versionArgs: ['--version'],
  mcpTransport: 'stdio',
  mcpListsTools: 'start',
  launch,
  detect,
  startupKeys,
  inputText,
  lastMessage,
  answerKeys,
  installFiles,
  exit: { text: '/exit' },
};
