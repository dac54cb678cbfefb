/**
 * Scripted turns for the fake model server. A turn is picked by matching the latest real user
 * message; its steps are played one per model request (a tool call, then after the tool result
 * comes back the next step, and so on). `$1`…`$9` in strings are replaced by the match's
 * capture groups, so a reply can quote what the user sent (a terminal id, a file name).
 */

export interface ToolStep {
  /** Tool to call; matched against the tools the CLI offers (exact, then suffix such as
   *  `mcp__cao-mcp-server__handoff`); '@shell' means the CLI's own shell tool. A tool the CLI
   *  defers behind a `tool_call` bridge (Qwen Code) is called through the bridge. */
  tool: string | string[];
  input?: Record<string, unknown>;
  /** The input for one tool of `tool`, by the name the CLI gives it (for tools that refuse
   *  each other's fields: Qwen Code's ask_user_question allows no extra property). */
  inputFor?: Record<string, Record<string, unknown>>;
  /** For '@shell': the command line. */
  command?: string;
  /** For '@shell': the tool's `description`/`justification` (default 'Run a command'). */
  description?: string;
  /** For '@shell': ask to run outside the sandbox where the shell tool can (Codex:
   *  `sandbox_permissions: "require_escalated"`, which is what makes it show an approval
   *  prompt under its default on-request policy). */
  escalate?: boolean;
}

export interface TextStep {
  text: string;
}

export type Step = ToolStep | TextStep;

/** Tokens one model reply reports, in each API's own shape (input excludes cached tokens). */
export interface Usage {
  input: number;
  output: number;
  /** Tokens read from the prompt cache. */
  cacheRead?: number;
  /** Tokens written to the prompt cache (Anthropic only). */
  cacheWrite?: number;
}

/** What every reply reports unless its turn scripts `usage`. */
export const DEFAULT_USAGE: Required<Usage> = {
  input: 10,
  output: 10,
  cacheRead: 0,
  cacheWrite: 0,
};

export interface Turn {
  /** Substring (case-insensitive) or RegExp on the latest user message. */
  match: string | RegExp;
  /** Shorthand for a single text step. */
  reply?: string;
  steps?: Step[];
  /** Wait this long before answering each request of this turn. */
  delayMs?: number;
  /** Stream text replies slowly: wait this long after each chunk (a few words). */
  chunkDelayMs?: number;
  /** Answer with an HTTP error in the API's own shape instead. */
  error?: { status: number; message: string };
  /** The usage each reply of this turn reports (default DEFAULT_USAGE). */
  usage?: Usage;
}

export interface Script {
  turns: Turn[];
  /** Reply for requests that match no turn (default: `ACK: <message>`). */
  fallback?: (lastUser: string) => string;
}

export interface OfferedTool {
  name: string;
  schema: Record<string, unknown>;
  /** OpenAI Responses: the namespace the tool was offered in (Codex: `mcp__<server>`). */
  namespace?: string;
  /** OpenAI Responses: a `custom` (freeform text input) tool rather than a function. */
  custom?: boolean;
}

export interface Conversation {
  /** The latest user message with real text (tool results and reminders skipped). */
  lastUser: string;
  /** Model replies since that message (0 = first request of the turn). */
  step: number;
  /** Tool names the CLI offered; empty for side requests (titles, summaries). */
  tools: OfferedTool[];
  /** The text of the tool result the request ends with, if it ends with one (what a CLI's
   *  own tool, such as a question widget, gave back). */
  toolResult?: string;
  /** A side request asked for JSON output following this schema ({} = any JSON object). */
  jsonSchema?: Record<string, unknown>;
  /** The whole request as text, searched for the names of deferred tools (the server fills
   *  it with the raw request body). */
  context?: string;
}

export type Decision = (
  | { kind: 'text'; text: string; delayMs: number; turn: number; chunkDelayMs?: number }
  | {
      kind: 'tool';
      name: string;
      input: Record<string, unknown>;
      delayMs: number;
      turn: number;
      /** Responses API: send the call back inside this namespace. */
      namespace?: string;
      /** Responses API: a custom_tool_call (input sent as text). */
      custom?: boolean;
      /** Called through a bridge tool (Qwen's `tool_call`): the real tool's name. */
      via?: string;
    }
  | { kind: 'error'; status: number; message: string; delayMs: number; turn: number }
) & { usage?: Required<Usage> };

/** The usage a reply reports. */
export const usageOf = (d: Decision): Required<Usage> => d.usage ?? DEFAULT_USAGE;

/** Removes what CLIs add to a typed message: <system-reminder> blocks (Claude Code, Kimi
 *  Code) and Copilot's <current_datetime> prefix. */
export const cleanUserText = (t: string): string =>
  t.replace(/<(system-reminder|current_datetime)>[\s\S]*?<\/\1>/g, '').trim();

/** Context a CLI sends as (part of) a user message, not typed by the user: one whole
 *  `<tag>…</tag>` block (Codex's <environment_context>, <user_instructions>; Gemini CLI's
 *  <session_context>) or AGENTS.md contents. */
export const isInjectedContext = (t: string): boolean =>
  /^\s*<([A-Za-z_]+)>[\s\S]*<\/\1>\s*$/.test(t) || /^\s*# AGENTS\.md/.test(t);

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
  offered: OfferedTool[],
): OfferedTool | undefined {
  const names = want === '@shell' ? SHELL_TOOLS : Array.isArray(want) ? want : [want];
  for (const n of names) {
    const t =
      offered.find((x) => x.name === n) ??
      offered.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (t) return t;
  }
  for (const n of names) {
    // MCP tools get a server prefix: mcp__echo__echo_tool, echo_echo_tool (OpenCode),
    // echo-echo_tool (Copilot), mcp_echo_echo_tool (Gemini CLI)
    const t = offered.find((x) =>
      ['_', '.', '-'].some((sep) => x.name.toLowerCase().endsWith(`${sep}${n.toLowerCase()}`)),
    );
    if (t) return t;
  }
  return undefined;
}

type PropSchema = { type?: string | string[]; enum?: unknown[] };
const typeOf = (p: PropSchema | undefined): string =>
  String((Array.isArray(p?.type) ? p.type[0] : p?.type) ?? '').toLowerCase();

/** Adapts a '@shell' step to the offered shell tool's input schema. */
function shellInput(step: ToolStep, schema: Record<string, unknown>): Record<string, unknown> {
  const props = (schema['properties'] ?? {}) as Record<string, PropSchema>;
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  const key = props['command'] ? 'command' : props['cmd'] ? 'cmd' : 'command';
  const description = step.description ?? 'Run a command';
  const input: Record<string, unknown> = {
    [key]:
      typeOf(props[key]) === 'array' ? ['bash', '-lc', step.command ?? ''] : (step.command ?? ''),
  };
  if (props['description']) input['description'] = description;
  // other required parameters (Qwen's is_background, …) get a neutral value
  for (const r of required) {
    if (r in input) continue;
    const t = typeOf(props[r]);
    if (props[r]?.enum && props[r].enum.length > 0) input[r] = props[r].enum[0];
    else if (t === 'string') input[r] = '';
    else if (t === 'boolean') input[r] = false;
    else if (t === 'number' || t === 'integer') input[r] = 60_000;
  }
  if (step.escalate && props['sandbox_permissions']) {
    input['sandbox_permissions'] = 'require_escalated';
    if (props['justification']) input['justification'] = description;
  }
  return { ...input, ...(step.input ?? {}) };
}

/**
 * The input without the properties a schema forbids (`additionalProperties: false`), at every
 * depth: one scripted input then suits tools that name the same field differently (Kimi's
 * AskUserQuestion takes `multi_select` and refuses Claude Code's `multiSelect`).
 */
export function fitToSchema(value: unknown, schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return value;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(value)) return value.map((v) => fitToSchema(v, s['items']));
  if (!value || typeof value !== 'object') return value;
  const props = (s['properties'] ?? {}) as Record<string, unknown>;
  const closed = s['additionalProperties'] === false;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !closed || k in props)
      .map(([k, v]) => [k, fitToSchema(v, props[k])]),
  );
}

/** A minimal instance of a JSON schema, for side requests that ask for structured output
 *  (Gemini CLI's "next speaker" check gets `{"next_speaker":"user", …}`). */
export function schemaInstance(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s['enum']) && s['enum'].length > 0)
    return s['enum'].includes('user') ? 'user' : s['enum'][0];
  if ('const' in s) return s['const'];
  for (const k of ['anyOf', 'oneOf', 'allOf']) {
    const alts = s[k];
    if (Array.isArray(alts) && alts.length > 0) return schemaInstance(alts[0], depth + 1);
  }
  const type = typeOf(s);
  if (type === 'object' || s['properties']) {
    const props = (s['properties'] ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, schemaInstance(v, depth + 1)]),
    );
  }
  if (type === 'array') return [];
  if (type === 'string') return 'Fake title';
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (type === 'null') return null;
  return {};
}

/**
 * Deferred tools: Qwen Code does not declare MCP tools up front; it lists their names in the
 * conversation and offers a bridge `tool_call({name, arguments})`. Finds the wanted tool's
 * full name (`mcp__echo__echo_tool`) in the request and the bridge to call it through.
 */
function deferredTool(
  want: string | string[],
  c: Conversation,
): { bridge: OfferedTool; name: string } | undefined {
  const bridge = c.tools.find((t) => {
    const props = (t.schema['properties'] ?? {}) as Record<string, unknown>;
    return t.name === 'tool_call' && props['name'] && props['arguments'];
  });
  if (!bridge || !c.context) return undefined;
  for (const n of Array.isArray(want) ? want : [want]) {
    if (n.startsWith('@')) continue;
    const esc = n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`[A-Za-z0-9_.-]*[_.-]${esc}(?![A-Za-z0-9_])`, 'g');
    const found = [...c.context.matchAll(re)].map((m) => m[0]);
    const name = found.find((x) => x.startsWith('mcp')) ?? found[0];
    if (name) return { bridge, name };
  }
  return undefined;
}

export function decide(script: Script, c: Conversation): Decision {
  const d = decideStep(script, c);
  const turn = d.turn >= 0 && c.tools.length > 0 ? script.turns[d.turn] : undefined;
  return turn?.usage ? { ...d, usage: { ...DEFAULT_USAGE, ...turn.usage } } : d;
}

function decideStep(script: Script, c: Conversation): Decision {
  const found = matchTurn(script.turns, c.lastUser);
  const turnIndex = found?.index ?? -1;
  // side requests (no tools offered: session titles, summaries, next-speaker checks)
  if (c.tools.length === 0) {
    const text = c.jsonSchema ? JSON.stringify(schemaInstance(c.jsonSchema) ?? {}) : 'Fake title';
    return { kind: 'text', text, delayMs: 0, turn: turnIndex };
  }
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
    return {
      kind: 'text',
      text: String(fill(text, groups)),
      delayMs,
      turn: turnIndex,
      ...(turn.chunkDelayMs ? { chunkDelayMs: turn.chunkDelayMs } : {}),
    };
  }
  const tool = resolveTool(step.tool, c.tools);
  const input = (schema: Record<string, unknown>, name: string): Record<string, unknown> =>
    fill(
      step.tool === '@shell'
        ? shellInput(step, schema)
        : fitToSchema(step.inputFor?.[name] ?? step.input ?? {}, schema),
      groups,
    ) as Record<string, unknown>;
  if (tool) {
    return {
      kind: 'tool',
      name: tool.name,
      input: input(tool.schema, tool.name),
      delayMs,
      turn: turnIndex,
      ...(tool.namespace ? { namespace: tool.namespace } : {}),
      ...(tool.custom ? { custom: true } : {}),
    };
  }
  const deferred = deferredTool(step.tool, c);
  if (deferred) {
    return {
      kind: 'tool',
      name: deferred.bridge.name,
      input: { name: deferred.name, arguments: input({}, deferred.name) },
      delayMs,
      turn: turnIndex,
      via: deferred.name,
    };
  }
  const names = c.tools.map((t) => t.name).join(', ');
  return {
    kind: 'text',
    text: `fake-model: no tool ${JSON.stringify(step.tool)} among [${names}]`,
    delayMs,
    turn: turnIndex,
  };
}

/**
 * A script read from JSON (the standalone runner's `--script` file): `match` strings of the
 * form "/regex/flags" become RegExps; a bare array is taken as the list of turns.
 */
export function scriptFromJson(value: unknown): Script {
  const raw = (Array.isArray(value) ? { turns: value } : value) as { turns?: unknown };
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.turns))
    throw new Error('fake-model: a script is {"turns": [...]}');
  const turns = (raw.turns as Turn[]).map((t) => {
    if (typeof t.match !== 'string') throw new Error('fake-model: every turn needs a "match"');
    const m = /^\/(.*)\/([a-z]*)$/s.exec(t.match);
    return m ? { ...t, match: new RegExp(m[1] ?? '', m[2]) } : t;
  });
  return { turns };
}
