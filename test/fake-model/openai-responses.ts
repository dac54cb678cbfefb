/**
 * The OpenAI Responses API (what Codex speaks), streaming (the full SSE event sequence from
 * response.created to response.completed) and not. Tool calls come back as function_call
 * items (inside their namespace for Codex's MCP tools) or custom_tool_call for custom tools.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  cleanUserText,
  isInjectedContext,
  type Conversation,
  usageOf,
  type Decision,
  type OfferedTool,
} from './script.js';
import { openaiError, sendJson, sleep, sse, sseStart, words } from './http.js';
import { contentText } from './openai-chat.js';

interface Item {
  type?: string;
  role?: string;
  content?: unknown;
  /** A function_call_output's result. */
  output?: unknown;
}
interface ToolDef {
  type?: string;
  name?: string;
  parameters?: Record<string, unknown>;
  tools?: ToolDef[];
}

const CALL_ITEMS = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);

export function responsesConversation(body: Record<string, unknown>): Conversation {
  const input = body['input'];
  const items: Item[] =
    typeof input === 'string'
      ? [{ type: 'message', role: 'user', content: input }]
      : Array.isArray(input)
        ? (input as Item[])
        : [];
  let idx = -1;
  let text = '';
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (!it || (it.type !== undefined && it.type !== 'message') || it.role !== 'user') continue;
    // Codex sends <environment_context>, <user_instructions>, AGENTS.md as user messages
    const t = cleanUserText(contentText(it.content));
    if (!t || isInjectedContext(t)) continue;
    idx = i;
    text = t;
    break;
  }
  const step =
    idx < 0
      ? 0
      : items
          .slice(idx + 1)
          .filter(
            (it) =>
              CALL_ITEMS.has(it.type ?? '') ||
              ((it.type ?? 'message') === 'message' && it.role === 'assistant'),
          ).length;
  const tools: OfferedTool[] = [];
  const add = (t: ToolDef, namespace?: string): void => {
    if (!t.name) return;
    tools.push({
      name: t.name,
      schema: t.parameters ?? {},
      ...(namespace ? { namespace } : {}),
      ...(t.type === 'custom' ? { custom: true } : {}),
    });
  };
  for (const t of (Array.isArray(body['tools']) ? body['tools'] : []) as ToolDef[]) {
    // Codex groups MCP tools: {type:"namespace", name:"mcp__<server>", tools:[…]}
    if (t.type === 'namespace') for (const u of t.tools ?? []) add(u, t.name);
    else add(t);
  }
  const format = (body['text'] as { format?: { type?: string; schema?: Record<string, unknown> } })
    ?.format;
  const jsonSchema = format?.type === 'json_schema' ? (format.schema ?? {}) : undefined;
  const tail = items.at(-1);
  const toolResult =
    tail?.type === 'function_call_output' || tail?.type === 'custom_tool_call_output'
      ? typeof tail.output === 'string'
        ? tail.output
        : contentText(tail.output)
      : undefined;
  return {
    lastUser: text,
    step,
    tools,
    ...(toolResult !== undefined ? { toolResult } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

export async function responsesReply(
  _req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
  d: Decision,
): Promise<void> {
  await sleep(d.delayMs);
  if (d.kind === 'error') {
    sendJson(res, d.status, openaiError(d.status, d.message));
    return;
  }
  const hex = (): string => randomBytes(12).toString('hex');
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-model';
  const u = usageOf(d);
  const usage = {
    input_tokens: u.input + u.cacheRead,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.cacheRead + u.output,
  };
  let item: Record<string, unknown>;
  if (d.kind === 'tool' && d.custom) {
    const raw = d.input['input'];
    item = {
      type: 'custom_tool_call',
      id: `ctc_${hex()}`,
      call_id: `call_${hex()}`,
      name: d.name,
      input: typeof raw === 'string' ? raw : JSON.stringify(d.input),
      status: 'completed',
    };
  } else if (d.kind === 'tool') {
    item = {
      type: 'function_call',
      id: `fc_${hex()}`,
      call_id: `call_${hex()}`,
      name: d.name,
      ...(d.namespace ? { namespace: d.namespace } : {}),
      arguments: JSON.stringify(d.input),
      status: 'completed',
    };
  } else {
    item = {
      type: 'message',
      id: `msg_${hex()}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: d.text, annotations: [] }],
    };
  }
  const response = {
    id: `resp_${hex()}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    model,
    output: [] as unknown[],
    usage: null as typeof usage | null,
    error: null,
    incomplete_details: null,
  };
  const done = { ...response, status: 'completed', output: [item], usage };
  if (!body['stream']) {
    sendJson(res, 200, done);
    return;
  }
  sseStart(res);
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>): void =>
    sse(res, type, { type, sequence_number: seq++, ...data });
  const at = { item_id: item['id'], output_index: 0 };
  ev('response.created', { response });
  ev('response.in_progress', { response });
  if (d.kind === 'text') {
    ev('response.output_item.added', {
      output_index: 0,
      item: { ...item, status: 'in_progress', content: [] },
    });
    const part = { type: 'output_text', text: '', annotations: [] };
    ev('response.content_part.added', { ...at, content_index: 0, part });
    for (const w of words(d.text)) {
      ev('response.output_text.delta', { ...at, content_index: 0, delta: w, logprobs: [] });
      if (d.chunkDelayMs) await sleep(d.chunkDelayMs);
    }
    ev('response.output_text.done', { ...at, content_index: 0, text: d.text, logprobs: [] });
    ev('response.content_part.done', { ...at, content_index: 0, part: { ...part, text: d.text } });
  } else if (item['type'] === 'custom_tool_call') {
    ev('response.output_item.added', { output_index: 0, item: { ...item, input: '' } });
    ev('response.custom_tool_call_input.delta', { ...at, delta: item['input'] });
    ev('response.custom_tool_call_input.done', { ...at, input: item['input'] });
  } else {
    ev('response.output_item.added', {
      output_index: 0,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    ev('response.function_call_arguments.delta', { ...at, delta: item['arguments'] });
    ev('response.function_call_arguments.done', { ...at, arguments: item['arguments'] });
  }
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: done });
  res.end();
}
