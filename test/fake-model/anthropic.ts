/** The Anthropic Messages API (what Claude Code speaks), streaming and not. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cleanUserText as clean, usageOf, type Conversation, type Decision } from './script.js';
import { sendJson, sleep, sse, sseStart, words } from './http.js';

interface Block {
  type: string;
  text?: string;
  content?: unknown;
}
interface Message {
  role: string;
  content: string | Block[];
}

/** A tool_result's content: a string or a list of text blocks. */
const blockText = (c: unknown): string =>
  typeof c === 'string'
    ? c
    : Array.isArray(c)
      ? (c as Block[]).map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('\n')
      : '';

export function anthropicConversation(body: Record<string, unknown>): Conversation {
  const msgs = (body['messages'] ?? []) as Message[];
  let idx = -1;
  let text = '';
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (!m || m.role !== 'user') continue;
    if (typeof m.content === 'string') {
      if (clean(m.content)) {
        idx = i;
        text = clean(m.content);
        break;
      }
      continue;
    }
    if (m.content.some((b) => b.type === 'tool_result')) continue;
    const texts = m.content
      .filter((b) => b.type === 'text')
      .map((b) => clean(b.text ?? ''))
      .filter(Boolean);
    if (texts.length > 0) {
      idx = i;
      text = texts.join('\n');
      break;
    }
  }
  const step = idx < 0 ? 0 : msgs.slice(idx + 1).filter((m) => m.role === 'assistant').length;
  const tools = (
    (body['tools'] ?? []) as { name?: string; input_schema?: Record<string, unknown> }[]
  )
    .filter((t) => t.name)
    .map((t) => ({ name: t.name as string, schema: t.input_schema ?? {} }));
  // structured output (Claude Code's session-title generator): output_config.format
  const oc = body['output_config'] as { format?: Record<string, unknown> } | undefined;
  const format = oc?.format ?? (body['output_format'] as Record<string, unknown> | undefined);
  const jsonSchema =
    format?.['type'] === 'json_schema'
      ? ((format['schema'] ?? {}) as Record<string, unknown>)
      : undefined;
  const tail = msgs.at(-1);
  const results =
    tail?.role === 'user' && Array.isArray(tail.content)
      ? tail.content.filter((b) => b.type === 'tool_result')
      : [];
  const toolResult = results.map((b) => blockText(b.content)).join('\n');
  return {
    lastUser: text,
    step,
    tools,
    ...(results.length > 0 ? { toolResult } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

export async function anthropicReply(
  _req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
  d: Decision,
): Promise<void> {
  await sleep(d.delayMs);
  if (d.kind === 'error') {
    const type =
      d.status === 400
        ? 'invalid_request_error'
        : d.status === 529
          ? 'overloaded_error'
          : 'api_error';
    sendJson(res, d.status, { type: 'error', error: { type, message: d.message } });
    return;
  }
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const model = typeof body['model'] === 'string' ? body['model'] : 'claude-fake';
  const u = usageOf(d);
  const usage = {
    input_tokens: u.input,
    output_tokens: u.output,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
  };
  const block =
    d.kind === 'tool'
      ? {
          type: 'tool_use',
          id: `toolu_${randomBytes(8).toString('hex')}`,
          name: d.name,
          input: d.input,
        }
      : { type: 'text', text: d.text };
  const stop = d.kind === 'tool' ? 'tool_use' : 'end_turn';
  if (!body['stream']) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage,
    });
    return;
  }
  sseStart(res);
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // like the real API: the input side first, the output count at the end
      usage: { ...usage, output_tokens: 1 },
    },
  });
  if (d.kind === 'tool') {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { ...block, input: {} },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(d.input) },
    });
  } else {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    for (const w of words(d.text)) {
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: w },
      });
      if (d.chunkDelayMs) await sleep(d.chunkDelayMs);
    }
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: u.output },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}
