/**
 * The OpenAI Chat Completions API (what OpenCode, Qwen Code, Kimi Code and Copilot in BYOK
 * mode speak), streaming (`data:` chunks ending in `[DONE]`) and not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  cleanUserText,
  usageOf,
  type Conversation,
  type Decision,
  type OfferedTool,
} from './script.js';
import { openaiError, sendJson, sleep, sse, sseStart, words } from './http.js';

interface ChatMessage {
  role: string;
  content?: unknown;
}

/** The text of a message's content: a string, or an array of parts ({type:'text', text}). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) =>
        typeof p === 'string'
          ? p
          : p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'
            ? (p as { text: string }).text
            : '',
      )
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

export function chatConversation(body: Record<string, unknown>): Conversation {
  const msgs = (Array.isArray(body['messages']) ? body['messages'] : []) as ChatMessage[];
  let idx = -1;
  let text = '';
  // the latest user message with real text: Kimi Code appends a user message holding only a
  // <system-reminder> after the prompt
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role !== 'user') continue;
    const t = cleanUserText(contentText(m.content));
    if (t) {
      idx = i;
      text = t;
      break;
    }
  }
  const step = idx < 0 ? 0 : msgs.slice(idx + 1).filter((m) => m.role === 'assistant').length;
  const tools: OfferedTool[] = [];
  for (const t of (Array.isArray(body['tools']) ? body['tools'] : []) as {
    name?: string;
    parameters?: Record<string, unknown>;
    function?: { name?: string; parameters?: Record<string, unknown> };
  }[]) {
    const name = t.function?.name ?? t.name;
    if (name) tools.push({ name, schema: t.function?.parameters ?? t.parameters ?? {} });
  }
  const rf = body['response_format'] as
    { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  const jsonSchema =
    rf?.type === 'json_schema'
      ? (rf.json_schema?.schema ?? {})
      : rf?.type === 'json_object'
        ? {}
        : undefined;
  // the tool messages after the latest assistant one (what a CLI's own tool gave back; Kimi
  // Code may add a reminder-only user message after them)
  const lastAssistant = msgs.findLastIndex((m) => m.role === 'assistant');
  const results = msgs
    .slice(lastAssistant + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => contentText(m.content));
  return {
    lastUser: text,
    step,
    tools,
    ...(lastAssistant >= 0 && results.length > 0 ? { toolResult: results.join('\n') } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

export async function chatReply(
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
  const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-model';
  const u = usageOf(d);
  const usage = {
    prompt_tokens: u.input + u.cacheRead,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
    completion_tokens: u.output,
    total_tokens: u.input + u.cacheRead + u.output,
  };
  const call =
    d.kind === 'tool'
      ? {
          id: `call_${randomBytes(12).toString('hex')}`,
          type: 'function',
          function: { name: d.name, arguments: JSON.stringify(d.input) },
        }
      : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  if (!body['stream']) {
    const message = call
      ? { role: 'assistant', content: null, tool_calls: [call] }
      : { role: 'assistant', content: d.kind === 'text' ? d.text : '' };
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
      usage,
    });
    return;
  }
  const withUsage = Boolean(
    (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage,
  );
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): void =>
    sse(res, null, {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      ...(withUsage ? { usage: null } : {}),
    });
  sseStart(res);
  chunk({ role: 'assistant', content: '' });
  if (call) {
    // like the real API: id and name first, then the arguments
    chunk({
      tool_calls: [
        {
          index: 0,
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: '' },
        },
      ],
    });
    chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] });
  } else if (d.kind === 'text') {
    for (const w of words(d.text)) chunk({ content: w });
  }
  chunk({}, finish);
  if (withUsage)
    sse(res, null, { id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  sse(res, null, '[DONE]');
  res.end();
}
