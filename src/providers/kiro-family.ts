/**
 * What Kiro CLI and its predecessor, the Amazon Q Developer CLI (`q chat`), share: the legacy
 * chat screen, the agent JSON files both read, and the trust-all-tools dialog. Pure.
 *
 * The legacy screen (Q's only UI; Kiro's `--legacy-ui`) is a plain scrolling transcript:
 *
 *   [developer] 17% λ > what the user typed        ← prompt line: `[<agent>] <ctx%> λ > <text>`
 *   > the answer starts after a green arrow        ← response
 *   more answer lines
 *   Allow this action? Use 't' to trust … [y/n/t]:  ← permission question
 *   [developer] 18% λ >                            ← the next prompt = ready
 *
 * Neither CLI is installable here: everything below is built from the original CAO's fixtures
 * (../shared/cao-fixtures/kiro_*) and its provider description (reference §5.4), not from a
 * running CLI.
 */
import { join } from 'node:path';
import type { Detection, InstallContext, LaunchFile } from './provider.js';
import { evidence, lastIndexMatching, selectOption } from './screen.js';

/**
 * A legacy prompt line for any agent: `[developer]>`, `[developer] 17% > `, `[x] 16% λ > typed`,
 * `[x] !> ` (the original matched only the launched profile's name; detect() sees only the screen).
 */
export const LEGACY_PROMPT_RE = /^\s*\[([^\]\s]+)\]\s*(?:\d+%\s*)?(?:λ\s*)?!?>(?:\s(.*))?$/u;
/** The start of a response (green `> ` in colour; the arrow alone on screen text). */
export const ARROW_RE = /^>(?:\s|$)/;
/** Legacy permission question, with the prompt on the same line or on the next one. */
export const PERMISSION_RE = /Allow this action\?.*\[y\/n\/t\]:/;
/** The answer of a failed turn. */
export const ERROR_RE = /(?:Kiro|Amazon Q) is having trouble responding right now/;
/** Busy and start-up markers (reference §5.4); ready only once a prompt follows them. */
export const BUSY_RE =
  /Kiro is working|Thinking\.\.\.|Initializing\.\.\.|\d+ of \d+ mcp servers initialized|Initializing\s*·\s*type to queue/;
/** Lines that show the chat started (so a screen without a prompt is busy, not unknown). */
const CHAT_CHROME_RE =
  /^\$ (?:kiro-cli|q)\b.*\bchat\b|^\s*✓ .+ loaded in [\d.]+ ?m?s\b|^>(?:\s|$)|mcp servers? initialized/;
/** The trust-all-tools consent dialog (Kiro 2.1+). */
export const TRUST_DIALOG_RE = /Kiro is running in trust all tools mode/;
export const TRUST_FOOTER_RE = /esc to cancel · ↑↓ to navigate · ↵ to select/;

export const promptText = (line: string): string | undefined => {
  const m = LEGACY_PROMPT_RE.exec(line);
  return m ? (m[2] ?? '').trim() : undefined;
};

const nonEmpty = (lines: readonly string[], from: number): number[] => {
  const out: number[] = [];
  for (let i = from; i < lines.length; i++) if ((lines[i] ?? '').trim() !== '') out.push(i);
  return out;
};

function waiting(rule: string, ...lines: (string | undefined)[]): Detection {
  return { status: 'waiting_user_answer', rule, evidence: evidence(...lines) };
}

/** The trust-all-tools dialog when it is live: in the last 20 lines, no prompt after it. */
export function trustDialog(lines: readonly string[]): Detection | undefined {
  const from = Math.max(0, lines.length - 20);
  const footer = lastIndexMatching(lines, TRUST_FOOTER_RE);
  if (footer < from) return undefined;
  if (lines.slice(footer + 1).some((l) => LEGACY_PROMPT_RE.test(l))) return undefined;
  const title = lines.slice(from).find((l) => TRUST_DIALOG_RE.test(l));
  return waiting(title ? 'trust-all-tools-dialog' : 'choice-dialog', title, lines[footer]);
}

/**
 * Keys that accept the trust-all-tools dialog, only when it is verified as the original did:
 * the warning and `❯ No, exit` in the last 15 lines, no prompt after them. "Yes, I accept" is
 * one Down away; "Yes, and don't ask again" would change the user's Kiro settings.
 */
export function trustDialogKeys(lines: readonly string[]): string[] | undefined {
  const tail = lines.slice(-15);
  if (!tail.some((l) => TRUST_DIALOG_RE.test(l))) return undefined;
  if (!tail.some((l) => /^\s*❯\s*No, exit\b/u.test(l))) return undefined;
  const title = lastIndexMatching(tail, TRUST_DIALOG_RE);
  if (tail.slice(title + 1).some((l) => LEGACY_PROMPT_RE.test(l))) return undefined;
  return selectOption(tail, /^\s*(?:❯\s*)?Yes, I accept\b/u);
}

/** The live permission question: nothing after it but (at most) the prompt that asks for y/n/t. */
function activePermission(lines: readonly string[]): number {
  const p = lastIndexMatching(lines, PERMISSION_RE);
  if (p < 0) return -1;
  const after = nonEmpty(lines, p + 1);
  if (after.length === 0) return p;
  if (after.length === 1 && LEGACY_PROMPT_RE.test(lines[after[0] ?? -1] ?? '')) return p;
  return -1;
}

/** Status of the legacy chat screen (Q CLI, Kiro `--legacy-ui`). `lines` = screenLines(screen). */
export function detectLegacy(lines: readonly string[]): Detection {
  const trust = trustDialog(lines);
  if (trust) return trust;
  const permission = activePermission(lines);
  if (permission >= 0) return waiting('permission-prompt', lines[permission]);

  const prompt = lastIndexMatching(lines, LEGACY_PROMPT_RE);
  const busy = lastIndexMatching(lines, BUSY_RE);
  if (busy > prompt) {
    return { status: 'processing', rule: 'busy-marker', evidence: evidence(lines[busy]) };
  }
  if (prompt < 0) {
    const chrome = lines.find((l) => CHAT_CHROME_RE.test(l));
    return chrome
      ? { status: 'processing', rule: 'no-prompt-yet', evidence: evidence(chrome) }
      : { status: 'unknown', rule: 'no-prompt', evidence: evidence(lines.at(-1)) };
  }
  const promptLine = lines[prompt] ?? '';
  const after = nonEmpty(lines, prompt + 1);
  if (after.length > 0) {
    // the last prompt was submitted: the answer or a tool is still coming
    const error = after.map((i) => lines[i] ?? '').find((l) => ERROR_RE.test(l));
    if (error) return { status: 'error', rule: 'api-error', evidence: evidence(error) };
    const last = lines[after.at(-1) ?? prompt];
    return { status: 'processing', rule: 'output-after-prompt', evidence: evidence(last) };
  }

  const turn = lines.slice(userPrompt(lines, prompt) + 1, prompt);
  if (promptText(promptLine)) {
    return { status: 'idle', rule: 'input-pending', evidence: evidence(promptLine) };
  }
  const error = turn.findLast((l) => ERROR_RE.test(l));
  if (error) return { status: 'error', rule: 'api-error', evidence: evidence(error) };
  const arrow = turn.findLast((l) => ARROW_RE.test(l));
  if (arrow) return { status: 'completed', rule: 'response-arrow', evidence: evidence(arrow) };
  return { status: 'idle', rule: 'prompt', evidence: evidence(promptLine) };
}

/** Index of the prompt line holding the latest submitted message before `before`, or -1. */
function userPrompt(lines: readonly string[], before: number): number {
  for (let i = before - 1; i >= 0; i--) if (promptText(lines[i] ?? '')) return i;
  return -1;
}

/** Text typed at the legacy prompt ('' when empty); undefined while busy or at a dialog. */
export function legacyInputText(lines: readonly string[]): string | undefined {
  const prompt = lastIndexMatching(lines, LEGACY_PROMPT_RE);
  if (prompt < 0 || nonEmpty(lines, prompt + 1).length > 0) return undefined;
  return promptText(lines[prompt] ?? '');
}

/**
 * The last answer on a legacy screen: from the last `> ` arrow of the latest turn to the next
 * prompt; a turn without an arrow (slash command, error) gives its lines between the prompts.
 */
export function legacyLastMessage(lines: readonly string[]): string | undefined {
  const prompt = lastIndexMatching(lines, LEGACY_PROMPT_RE);
  // a prompt with nothing after it closes the turn; otherwise the turn is still below it
  const end = prompt >= 0 && nonEmpty(lines, prompt + 1).length === 0 ? prompt : lines.length;
  const start = userPrompt(lines, end);
  const turn = lines.slice(start + 1, end);
  const arrow = lastIndexMatching(turn, ARROW_RE);
  // without an arrow, only a turn between two prompts (a slash command) or a failure counts;
  // start-up output above the first prompt is not an answer
  if (arrow < 0 && start < 0 && !turn.some((l) => ERROR_RE.test(l))) return undefined;
  const body =
    arrow >= 0
      ? [(turn[arrow] ?? '').replace(ARROW_RE, ''), ...turn.slice(arrow + 1)]
      : turn.filter((l) => !/^\$ /.test(l));
  const text = body
    .filter((l) => !LEGACY_PROMPT_RE.test(l) && !PERMISSION_RE.test(l))
    .join('\n')
    .trim();
  return text === '' ? undefined : text;
}

/** y/n/t for the legacy permission question (a number picks from y, n, t in that order). */
export function legacyAnswerKeys(lines: readonly string[], answer: string): string[] | undefined {
  const a = answer.trim().toLowerCase();
  if (activePermission(lines) >= 0) {
    if (['y', 'yes', '1'].includes(a)) return ['y', 'Enter'];
    if (['n', 'no', '2'].includes(a)) return ['n', 'Enter'];
    if (['t', 'trust', 'always', '3'].includes(a)) return ['t', 'Enter'];
    return undefined;
  }
  if (trustDialog(lines)) {
    if (['y', 'yes'].includes(a)) return selectOption(lines, /^\s*(?:❯\s*)?Yes, I accept\b/u);
    if (['n', 'no'].includes(a)) return selectOption(lines, /^\s*(?:❯\s*)?No, exit\b/u);
  }
  return undefined;
}

/** Set per terminal from the agent's environment, never in an installed file. */
const TERMINAL_ENV = new Set(['CAO_TERMINAL_ID', 'CAO_API_URL']);
/** Kiro's MCP tool timeout is short and `handoff` blocks until the worker is done (§6). */
const CAO_MCP_TIMEOUT_MS = 1_200_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The agent JSON Kiro (`~/.kiro/agents/{name}.json`) and Q (`~/.aws/amazonq/cli-agents/`) read,
 * as the original `cao install` wrote it (reference §9.4).
 */
export function agentJson(ctx: InstallContext): Record<string, unknown> {
  const p = ctx.profile;
  const raw = p.raw;
  const rawServers = isRecord(raw['mcpServers']) ? raw['mcpServers'] : {};
  const mcpServers = Object.fromEntries(
    Object.entries(p.mcpServers).map(([name, s]) => {
      const isCao = name === 'cao-mcp-server' || /(?:^|\/)cao-mcp-server$/.test(s.command);
      const own = rawServers[name];
      const timeout =
        isRecord(own) && typeof own['timeout'] === 'number' ? own['timeout'] : undefined;
      return [
        name,
        {
          command: s.command,
          args: s.args,
          env: Object.fromEntries(Object.entries(s.env).filter(([k]) => !TERMINAL_ENV.has(k))),
          ...(isCao ? { timeout: CAO_MCP_TIMEOUT_MS } : timeout !== undefined ? { timeout } : {}),
        },
      ];
    }),
  );
  const pass = (key: string): Record<string, unknown> =>
    raw[key] !== undefined && raw[key] !== null ? { [key]: raw[key] } : {};
  return {
    name: p.name,
    description: p.description,
    tools: Array.isArray(raw['tools']) ? raw['tools'] : ['*'],
    allowedTools: p.allowedTools,
    resources: [`file://${ctx.contextFile}`, `skill://${join(ctx.caoHome, 'skills')}/**/SKILL.md`],
    ...(typeof raw['prompt'] === 'string' && raw['prompt'] !== '' ? { prompt: raw['prompt'] } : {}),
    mcpServers,
    ...pass('toolAliases'),
    ...pass('toolsSettings'),
    ...pass('hooks'),
    ...(p.model ? { model: p.model } : {}),
    useLegacyMcpJson: false,
  };
}

/** The agent file at `dir/{name}.json`. */
export function agentFile(ctx: InstallContext, dir: string): LaunchFile {
  return {
    path: join(dir, `${ctx.profile.name}.json`),
    content: `${JSON.stringify(agentJson(ctx), null, 2)}\n`,
  };
}
