/**
 * Scripted turns for the fake model server. A turn is picked by matching the latest real user
 * message; its steps are played one per model request (a tool call, then after the tool result
 * comes back the next step, and so on). `$1`…`$9` in strings are replaced by the match's
 * capture groups, so a reply can quote what the user sent (a terminal id, a file name).
 */

export interface ToolStep {
  /** Tool to call; matched against the tools the CLI offers (exact, then suffix such as
   *  `mcp__cao-mcp-server__handoff`); '@shell' means the CLI's own shell tool. */
  tool: string | string[];
  input?: Record<string, unknown>;
  /** For '@shell': the command line. */
  command?: string;
}

export interface TextStep {
  text: string;
}

export type Step = ToolStep | TextStep;

export interface Turn {
  /** Substring (case-insensitive) or RegExp on the latest user message. */
  match: string | RegExp;
  /** Shorthand for a single text step. */
  reply?: string;
  steps?: Step[];
  /** Wait this long before answering each request of this turn. */
  delayMs?: number;
  /** Answer with an HTTP error in the API's own shape instead. */
  error?: { status: number; message: string };
}

export interface Script {
  turns: Turn[];
  /** Reply for requests that match no turn (default: `ACK: <message>`). */
  fallback?: (lastUser: string) => string;
}

export interface Conversation {
  /** The latest user message with real text (tool results and reminders skipped). */
  lastUser: string;
  /** Model replies since that message (0 = first request of the turn). */
  step: number;
  /** Tool names the CLI offered; empty for side requests (titles, summaries). */
  tools: { name: string; schema: Record<string, unknown> }[];
}

export type Decision =
  | { kind: 'text'; text: string; delayMs: number; turn: number }
  | { kind: 'tool'; name: string; input: Record<string, unknown>; delayMs: number; turn: number }
  | { kind: 'error'; status: number; message: string; delayMs: number; turn: number };

const SHELL_TOOLS = [
  'Bash',
  'bash',
  'shell',
  'shell_command',
  'exec_command',
  'run_shell_command',
  'run_in_terminal',
];

function matchTurn(
  turns: Turn[],
  text: string,
): { turn: Turn; index: number; groups: string[] } | undefined {
  let best: { turn: Turn; index: number; groups: string[]; pos: number } | undefined;
  turns.forEach((turn, index) => {
    let pos = -1;
    let groups: string[] = [];
    if (typeof turn.match === 'string')
      pos = text.toLowerCase().lastIndexOf(turn.match.toLowerCase());
    else {
      const re = new RegExp(
        turn.match.source,
        turn.match.flags.includes('g') ? turn.match.flags : `${turn.match.flags}g`,
      );
      for (const m of text.matchAll(re)) {
        pos = m.index;
        groups = m.slice(1).map((g) => g ?? '');
      }
    }
    // the turn whose pattern occurs last in the message wins (CLIs may merge messages)
    if (pos >= 0 && (!best || pos > best.pos)) best = { turn, index, groups, pos };
  });
  return best;
}

const fill = (v: unknown, groups: string[]): unknown => {
  if (typeof v === 'string')
    return v.replace(/\$(\d)/g, (m, d: string) => groups[Number(d) - 1] ?? m);
  if (Array.isArray(v)) return v.map((x) => fill(x, groups));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, groups)]));
  return v;
};

export function resolveTool(
  want: string | string[],
  offered: Conversation['tools'],
): Conversation['tools'][number] | undefined {
  const names = want === '@shell' ? SHELL_TOOLS : Array.isArray(want) ? want : [want];
  for (const n of names) {
    const t =
      offered.find((x) => x.name === n) ??
      offered.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (t) return t;
  }
  for (const n of names) {
    const t = offered.find(
      (x) =>
        x.name.toLowerCase().endsWith(`_${n.toLowerCase()}`) ||
        x.name.toLowerCase().endsWith(`.${n.toLowerCase()}`),
    );
    if (t) return t;
  }
  return undefined;
}

/** Adapts a '@shell' step to the offered shell tool's input schema. */
function shellInput(step: ToolStep, schema: Record<string, unknown>): Record<string, unknown> {
  const props = (schema['properties'] ?? {}) as Record<string, { type?: string }>;
  const key = props['command'] ? 'command' : props['cmd'] ? 'cmd' : 'command';
  const input: Record<string, unknown> = {
    [key]:
      props[key]?.type === 'array' ? ['bash', '-lc', step.command ?? ''] : (step.command ?? ''),
  };
  if (props['description']) input['description'] = 'Run a command';
  return { ...input, ...(step.input ?? {}) };
}

export function decide(script: Script, c: Conversation): Decision {
  const found = matchTurn(script.turns, c.lastUser);
  const turnIndex = found?.index ?? -1;
  if (c.tools.length === 0)
    return { kind: 'text', text: 'Fake title', delayMs: 0, turn: turnIndex };
  if (!found) {
    return {
      kind: 'text',
      text: script.fallback?.(c.lastUser) ?? `ACK: ${c.lastUser.slice(0, 200)}`,
      delayMs: 0,
      turn: -1,
    };
  }
  const { turn, groups } = found;
  const delayMs = turn.delayMs ?? 0;
  if (turn.error) return { kind: 'error', ...turn.error, delayMs, turn: turnIndex };
  const steps: Step[] = turn.steps ?? [{ text: turn.reply ?? `ACK: ${c.lastUser}` }];
  const step = steps[Math.min(c.step, steps.length - 1)] as Step;
  if (c.step >= steps.length || 'text' in step) {
    const last = [...steps].reverse().find((s): s is TextStep => 'text' in s);
    const text = 'text' in step && c.step < steps.length ? step.text : (last?.text ?? 'Done.');
    return { kind: 'text', text: String(fill(text, groups)), delayMs, turn: turnIndex };
  }
  const tool = resolveTool(step.tool, c.tools);
  if (!tool) {
    const names = c.tools.map((t) => t.name).join(', ');
    return {
      kind: 'text',
      text: `fake-model: no tool ${JSON.stringify(step.tool)} among [${names}]`,
      delayMs,
      turn: turnIndex,
    };
  }
  const input =
    step.tool === '@shell'
      ? shellInput(step, tool.schema)
      : ((fill(step.input ?? {}, groups) as Record<string, unknown>) ?? {});
  return {
    kind: 'tool',
    name: tool.name,
    input: step.tool === '@shell' ? (fill(input, groups) as Record<string, unknown>) : input,
    delayMs,
    turn: turnIndex,
  };
}
