/**
 * The fake model server over real HTTP, one block per wire API: streaming and not, text and
 * tool calls, the step after a tool result, scripted errors, side requests, `$1` captures.
 * The SSE streams are parsed, so the wire formats the CLIs read are what is checked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptFromJson, type Script } from './script.js';
import { startFakeModel, type FakeModel } from './server.js';

const SCRIPT: Script = {
  turns: [
    { match: 'hello', reply: 'Hello from the fake model.' },
    { match: /ticket (\w+)/i, reply: 'Ticket $1 noted.' },
    {
      match: 'shell please',
      steps: [
        { tool: '@shell', command: 'echo x > file', description: 'Write a file', escalate: true },
        { text: 'Shell done.' },
      ],
    },
    {
      match: /echo (\w+) please/,
      steps: [{ tool: 'echo_tool', input: { text: 'hi $1' } }, { text: 'Echo done.' }],
    },
    {
      match: 'patch please',
      steps: [{ tool: 'apply_patch', input: { input: '*** Begin Patch' } }, { text: 'Patched.' }],
    },
    { match: 'fail please', error: { status: 400, message: 'scripted failure' } },
    { match: 'slowly please', chunkDelayMs: 5, reply: 'one two three four five six seven eight' },
    {
      match: 'ask please',
      steps: [
        {
          tool: ['AskUserQuestion', 'ask_user'],
          input: {
            questions: [{ id: 'q', question: 'Which?', multiSelect: false, multi_select: false }],
          },
          inputFor: { ask_user: { questions: [{ question: 'Which?', type: 'choice' }] } },
        },
        { text: 'Asked.' },
      ],
    },
    {
      match: 'counted please',
      reply: 'Counted.',
      usage: { input: 120, output: 34, cacheRead: 56, cacheWrite: 7 },
    },
  ],
};

let model: FakeModel;
beforeAll(async () => {
  model = await startFakeModel(SCRIPT);
});
afterAll(async () => {
  await model?.close();
});

interface SseEvent {
  event?: string;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const e: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) e.event = line.slice(7);
        else if (line.startsWith('data: ')) e.data += line.slice(6);
      }
      return e;
    });
}

const parse = <T>(s: string): T => JSON.parse(s) as T;

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; type: string; text: string; json: <T>() => T }> {
  const res = await fetch(`${model.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: <T>() => parse<T>(text),
  };
}

// the parts of each wire format the tests read
interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments?: string };
}
interface ChatCompletion {
  object: string;
  model: string;
  choices: {
    message: {
      role: string;
      content: string;
      tool_calls: { id: string; function: { name: string; arguments: string } }[];
    };
    finish_reason: string;
  }[];
  usage: { total_tokens: number };
}
interface ChatChunk {
  object: string;
  choices: {
    delta: { role?: string; content?: string; tool_calls?: ToolCallDelta[] };
    finish_reason: string | null;
  }[];
  usage?: { total_tokens: number } | null;
}
interface OutputItem {
  type: string;
  call_id?: string;
  name?: string;
  namespace?: string;
  arguments: string;
  input?: string;
  content: { type: string; text: string }[];
}
interface ResponseObject {
  object: string;
  status: string;
  output: OutputItem[];
  usage: { total_tokens: number };
}
interface ResponsesEvent {
  type: string;
  sequence_number: number;
  delta?: string;
  item?: OutputItem;
  response?: ResponseObject;
}
interface GeminiChunk {
  candidates: {
    content: { role: string; parts: { text: string; functionCall?: unknown }[] };
    finishReason?: string;
  }[];
  usageMetadata: { totalTokenCount: number };
  modelVersion: string;
}
interface ErrorBody {
  error: Record<string, unknown>;
}

const lastLog = (): FakeModel['log'][number] => model.log[model.log.length - 1]!;

// ------------------------------------------------------------------ OpenAI Chat Completions

describe('OpenAI Chat Completions', () => {
  const CHAT = '/v1/chat/completions';
  const bash = {
    type: 'function',
    function: {
      name: 'bash',
      parameters: {
        type: 'object',
        properties: { command: { type: 'string' }, description: { type: 'string' } },
        required: ['command'],
      },
    },
  };
  const chunksOf = (text: string): ChatChunk[] => {
    const events = parseSse(text);
    expect(events.at(-1)?.data).toBe('[DONE]');
    return events.slice(0, -1).map((e) => parse<ChatChunk>(e.data));
  };

  it('answers text without streaming', async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'You are a CLI.' },
        { role: 'user', content: 'hello there' },
      ],
      tools: [bash],
    });
    expect(r.status).toBe(200);
    const j = r.json<ChatCompletion>();
    expect(j.object).toBe('chat.completion');
    expect(j.model).toBe('fake-model');
    expect(j.choices[0]!.message).toEqual({
      role: 'assistant',
      content: 'Hello from the fake model.',
    });
    expect(j.choices[0]!.finish_reason).toBe('stop');
    expect(j.usage.total_tokens).toBeGreaterThan(0);
    expect(lastLog()).toMatchObject({ api: 'openai-chat', main: true, lastUser: 'hello there' });
  });

  it('streams text in chunks, then usage (include_usage) and [DONE]', async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
      tools: [bash],
    });
    expect(r.type).toContain('text/event-stream');
    const chunks = chunksOf(r.text);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello from the fake model.');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0]!.finish_reason)).toEqual(['stop']);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage!.total_tokens).toBeGreaterThan(0);
  });

  it('streams a tool call (id and name first, then the arguments)', async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: 'shell please' }],
      tools: [bash],
    });
    const chunks = chunksOf(r.text);
    expect(chunks.some((c) => c.usage)).toBe(false); // no include_usage asked
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'bash' } });
    expect(calls[0]!.id).toMatch(/^call_/);
    const args = calls.map((c) => c.function.arguments ?? '').join('');
    // no sandbox_permissions in this schema: 'escalate' adds nothing
    expect(JSON.parse(args)).toEqual({ command: 'echo x > file', description: 'Write a file' });
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('answers the next step after the tool result', async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      messages: [
        { role: 'user', content: 'shell please' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '(no output)' },
      ],
      tools: [bash],
    });
    expect(r.json<ChatCompletion>().choices[0]!.message.content).toBe('Shell done.');
    expect(lastLog().step).toBe(1);
    // the log keeps what the tool gave back
    expect(lastLog().toolResult).toBe('(no output)');
  });

  it("skips Kimi's reminder-only user message and Copilot's datetime prefix; fills $1", async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      messages: [
        {
          role: 'user',
          content: '<current_datetime>2026-01-01T00:00:00Z</current_datetime>\n\nsee ticket T42',
        },
        { role: 'user', content: '<system-reminder>\nToday is 2026-01-01.\n</system-reminder>' },
      ],
      tools: [bash],
    });
    expect(r.json<ChatCompletion>().choices[0]!.message.content).toBe('Ticket T42 noted.');
    expect(lastLog().lastUser).toBe('see ticket T42');
  });

  it('answers an error turn with the OpenAI error shape', async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: 'fail please' }],
      tools: [bash],
    });
    expect(r.status).toBe(400);
    expect(r.json<ErrorBody>()).toEqual({
      error: {
        message: 'scripted failure',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    });
  });

  it('answers side requests with "Fake title", or JSON when a schema is asked for', async () => {
    const plain = await post(CHAT, {
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Generate a title for: fail please' }],
    });
    expect(plain.json<ChatCompletion>().choices[0]!.message.content).toBe('Fake title');
    expect(lastLog().main).toBe(false);
    const json = await post(CHAT, {
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hello' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: {
            type: 'object',
            properties: {
              title: { type: 'string' },
              n: { type: 'integer' },
              who: { type: 'string', enum: ['model', 'user'] },
              tags: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    });
    expect(JSON.parse(json.json<ChatCompletion>().choices[0]!.message.content)).toEqual({
      title: 'Fake title',
      n: 0,
      who: 'user',
      tags: [],
    });
  });

  it("calls a deferred tool through Qwen's tool_call bridge", async () => {
    const r = await post(CHAT, {
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'Deferred tools: mcp__echo__echo_tool, mcp__other__thing' },
        { role: 'user', content: 'echo abc please' },
      ],
      tools: [
        bash,
        {
          type: 'function',
          function: {
            name: 'tool_call',
            parameters: {
              type: 'object',
              properties: { name: { type: 'string' }, arguments: { type: 'object' } },
            },
          },
        },
      ],
    });
    const call = r.json<ChatCompletion>().choices[0]!.message.tool_calls[0]!;
    expect(call.function.name).toBe('tool_call');
    expect(JSON.parse(call.function.arguments)).toEqual({
      name: 'mcp__echo__echo_tool',
      arguments: { text: 'hi abc' },
    });
    expect(lastLog().decision).toMatchObject({ via: 'mcp__echo__echo_tool' });
  });

  it("fits a tool's input to its schema, and takes a tool's own input (inputFor)", async () => {
    const tool = (name: string, parameters: Record<string, unknown>): unknown => ({
      type: 'function',
      function: { name, parameters },
    });
    const closed = {
      type: 'object',
      additionalProperties: false,
      properties: {
        questions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { question: { type: 'string' }, multi_select: { type: 'boolean' } },
          },
        },
      },
    };
    const ask = async (t: unknown): Promise<unknown> => {
      const r = await post(CHAT, {
        model: 'fake-model',
        messages: [{ role: 'user', content: 'ask please' }],
        tools: [t],
      });
      return JSON.parse(
        r.json<ChatCompletion>().choices[0]!.message.tool_calls[0]!.function.arguments,
      );
    };
    // a closed schema (Kimi's AskUserQuestion) keeps only the fields it names
    expect(await ask(tool('AskUserQuestion', closed))).toEqual({
      questions: [{ question: 'Which?', multi_select: false }],
    });
    // an open one gets the whole input
    expect(await ask(tool('AskUserQuestion', { type: 'object' }))).toEqual({
      questions: [{ id: 'q', question: 'Which?', multiSelect: false, multi_select: false }],
    });
    expect(await ask(tool('ask_user', { type: 'object' }))).toEqual({
      questions: [{ question: 'Which?', type: 'choice' }],
    });
  });

  it('matches MCP tools by their server-prefixed names', async () => {
    const fn = (name: string): unknown => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: { text: { type: 'string' } } } },
    });
    for (const name of ['echo-echo_tool', 'echo_echo_tool', 'mcp__echo__echo_tool']) {
      const r = await post(CHAT, {
        model: 'fake-model',
        messages: [{ role: 'user', content: 'echo x please' }],
        tools: [bash, fn(name)],
      });
      expect(r.json<ChatCompletion>().choices[0]!.message.tool_calls[0]!.function.name).toBe(name);
    }
  });
});

// ------------------------------------------------------------------ OpenAI Responses

describe('OpenAI Responses', () => {
  const RESP = '/v1/responses';
  const execCommand = {
    type: 'function',
    name: 'exec_command',
    parameters: {
      type: 'object',
      properties: {
        cmd: { type: 'string' },
        justification: { type: 'string' },
        sandbox_permissions: { type: 'string', enum: ['use_default', 'require_escalated'] },
        workdir: { type: 'string' },
      },
      required: ['cmd'],
    },
  };
  const codexInput = (prompt: string): unknown[] => [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be good.' }] },
    {
      type: 'message',
      role: 'user',
      content: [
        {
          type: 'input_text',
          text: '<environment_context>\n  <cwd>/w</cwd>\n</environment_context>',
        },
      ],
    },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] },
    {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: '<user_instructions>x</user_instructions>' }],
    },
  ];
  const eventsOf = (text: string): { type: string; data: ResponsesEvent }[] =>
    parseSse(text).map((e) => {
      const data = JSON.parse(e.data);
      expect(e.event).toBe(data.type);
      return { type: data.type, data };
    });

  it('streams a text answer as the full event sequence', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('hello there'),
      tools: [execCommand, { type: 'web_search' }],
    });
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/event-stream');
    const events = eventsOf(r.text);
    const types = events.map((e) => e.type);
    const deltas = types.filter((t) => t === 'response.output_text.delta').length;
    expect(deltas).toBeGreaterThan(0);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(deltas).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.data.delta)
      .join('');
    expect(text).toBe('Hello from the fake model.');
    const done = events.at(-1)!.data.response!;
    expect(done.status).toBe('completed');
    expect(done.output[0]).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Hello from the fake model.' }],
    });
    expect(done.usage.total_tokens).toBeGreaterThan(0);
    expect(lastLog()).toMatchObject({ api: 'openai-responses', lastUser: 'hello there' });
  });

  it('asks for sandbox escalation on an escalate step', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('shell please'),
      tools: [execCommand],
    });
    const events = eventsOf(r.text);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const item = events.find((e) => e.type === 'response.output_item.done')!.data.item!;
    expect(item).toMatchObject({ type: 'function_call', name: 'exec_command' });
    expect(item.call_id).toMatch(/^call_/);
    expect(item.namespace).toBeUndefined();
    expect(JSON.parse(item.arguments)).toEqual({
      cmd: 'echo x > file',
      sandbox_permissions: 'require_escalated',
      justification: 'Write a file',
    });
  });

  it('calls an MCP tool back inside its namespace', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('echo abc please'),
      tools: [
        execCommand,
        {
          type: 'namespace',
          name: 'mcp__echo',
          tools: [
            {
              type: 'function',
              name: 'echo_tool',
              parameters: { type: 'object', properties: { text: { type: 'string' } } },
            },
          ],
        },
      ],
    });
    const item = eventsOf(r.text).find((e) => e.type === 'response.output_item.done')!.data.item!;
    expect(item).toMatchObject({
      type: 'function_call',
      name: 'echo_tool',
      namespace: 'mcp__echo',
    });
    expect(JSON.parse(item.arguments)).toEqual({ text: 'hi abc' });
  });

  it('answers a custom tool with a custom_tool_call', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('patch please'),
      tools: [execCommand, { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } }],
    });
    const events = eventsOf(r.text);
    expect(events.map((e) => e.type)).toContain('response.custom_tool_call_input.done');
    const item = events.find((e) => e.type === 'response.output_item.done')!.data.item!;
    expect(item).toMatchObject({
      type: 'custom_tool_call',
      name: 'apply_patch',
      input: '*** Begin Patch',
    });
  });

  it('answers the next step after the tool output, without streaming', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      input: [
        ...codexInput('shell please'),
        {
          type: 'function_call',
          call_id: 'call_1',
          name: 'exec_command',
          arguments: '{"cmd":"echo x > file"}',
        },
        { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
      ],
      tools: [execCommand],
    });
    const j = r.json<ResponseObject>();
    expect(j).toMatchObject({ object: 'response', status: 'completed' });
    expect(j.output[0]!.content[0]!.text).toBe('Shell done.');
    // the log keeps what the tool gave back (a question widget's answer, say)
    expect(lastLog().toolResult).toBe('ok');
  });

  it('streams a slow turn in the same chunks (chunkDelayMs), and says so in its decision', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('slowly please'),
      tools: [execCommand],
    });
    const deltas = eventsOf(r.text).filter((e) => e.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(2);
    expect(lastLog().decision).toMatchObject({ kind: 'text', chunkDelayMs: 5 });
    expect(lastLog().toolResult).toBeUndefined();
  });

  it('answers an error turn with the OpenAI error shape', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      stream: true,
      input: codexInput('fail please'),
      tools: [execCommand],
    });
    expect(r.status).toBe(400);
    expect(r.json<ErrorBody>().error).toMatchObject({
      message: 'scripted failure',
      type: 'invalid_request_error',
    });
  });

  it('answers a structured side request with an instance of the schema', async () => {
    const r = await post(RESP, {
      model: 'gpt-5',
      input: 'Generate a title for: hello',
      text: {
        format: {
          type: 'json_schema',
          name: 't',
          schema: { type: 'object', properties: { title: { type: 'string' } } },
        },
      },
    });
    expect(JSON.parse(r.json<ResponseObject>().output[0]!.content[0]!.text)).toEqual({
      title: 'Fake title',
    });
  });
});

// ------------------------------------------------------------------ Gemini

describe('Gemini', () => {
  const shell = {
    functionDeclarations: [
      {
        name: 'run_shell_command',
        parametersJsonSchema: {
          type: 'object',
          properties: {
            command: { type: 'string' },
            description: { type: 'string' },
            is_background: { type: 'boolean' },
          },
          required: ['command', 'is_background'],
        },
      },
    ],
  };
  const user = (...texts: string[]): unknown => ({
    role: 'user',
    parts: texts.map((text) => ({ text })),
  });
  const ctx = '<session_context>\nThis is the Gemini CLI.\n</session_context>';

  it('streams text as SSE data chunks (alt=sse)', async () => {
    const r = await post('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      contents: [user(ctx, 'hello there')],
      tools: [shell],
    });
    expect(r.type).toContain('text/event-stream');
    const events = parseSse(r.text);
    expect(events.every((e) => e.event === undefined)).toBe(true);
    const chunks = events.map((e) => parse<GeminiChunk>(e.data));
    const text = chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join('');
    expect(text).toBe('Hello from the fake model.');
    expect(chunks[0]!.candidates[0]!.content.role).toBe('model');
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
    expect(chunks.slice(0, -1).every((c) => !c.candidates[0]!.finishReason)).toBe(true);
    expect(chunks[0]!.usageMetadata.totalTokenCount).toBeGreaterThan(0);
    expect(chunks[0]!.modelVersion).toBe('gemini-2.5-pro');
    expect(lastLog()).toMatchObject({ api: 'gemini', lastUser: 'hello there', main: true });
  });

  it('streams a functionCall, filling required parameters', async () => {
    const r = await post('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      contents: [user(ctx, 'shell please')],
      tools: [shell],
    });
    const chunks = parseSse(r.text).map((e) => parse<GeminiChunk>(e.data));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.candidates[0]!.content.parts[0]!.functionCall).toEqual({
      name: 'run_shell_command',
      args: { command: 'echo x > file', description: 'Write a file', is_background: false },
    });
  });

  it('answers the next step after the functionResponse (generateContent)', async () => {
    const r = await post('/v1beta/models/gemini-2.5-pro:generateContent', {
      contents: [
        user(ctx, 'shell please'),
        { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: {} } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'run_shell_command', response: { output: '' } } }],
        },
      ],
      tools: [shell],
    });
    const j = r.json<GeminiChunk>();
    expect(j.candidates[0]!.content.parts).toEqual([{ text: 'Shell done.' }]);
    expect(j.candidates[0]!.finishReason).toBe('STOP');
    expect(lastLog().toolResult).toBe('{"name":"run_shell_command","response":{"output":""}}');
  });

  it('streams a JSON array without alt=sse', async () => {
    const r = await post('/v1beta/models/gemini-2.5-pro:streamGenerateContent', {
      contents: [user('see ticket Z9')],
      tools: [shell],
    });
    const arr = r.json<GeminiChunk[]>();
    expect(Array.isArray(arr)).toBe(true);
    expect(arr.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe(
      'Ticket Z9 noted.',
    );
  });

  it('answers an error turn with the Gemini error shape', async () => {
    const r = await post('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      contents: [user('fail please')],
      tools: [shell],
    });
    expect(r.status).toBe(400);
    expect(r.json<ErrorBody>()).toEqual({
      error: { code: 400, message: 'scripted failure', status: 'INVALID_ARGUMENT' },
    });
  });

  it('answers JSON side requests (responseMimeType) with an instance of the schema', async () => {
    const r = await post('/v1beta/models/gemini-2.5-flash:generateContent', {
      contents: [user('fail please'), user('Who speaks next?')],
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'OBJECT',
          properties: {
            reasoning: { type: 'STRING' },
            next_speaker: { type: 'STRING', enum: ['model', 'user'] },
          },
        },
      },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.json<GeminiChunk>().candidates[0]!.content.parts[0]!.text)).toEqual({
      reasoning: 'Fake title',
      next_speaker: 'user',
    });
  });

  it('counts tokens and lists models', async () => {
    const count = await post('/v1beta/models/gemini-2.5-pro:countTokens', {
      contents: [user('hi')],
    });
    expect(count.json<{ totalTokens: number }>().totalTokens).toBeGreaterThan(0);
    const gemini = (await (await fetch(`${model.url}/v1beta/models`)).json()) as {
      models: { name: string; supportedGenerationMethods: string[] }[];
    };
    expect(gemini.models[0]!.name).toMatch(/^models\//);
    expect(gemini.models[0]!.supportedGenerationMethods).toContain('generateContent');
    const openai = (await (await fetch(`${model.url}/v1/models`)).json()) as {
      object: string;
      data: { id: string }[];
    };
    expect(openai.object).toBe('list');
    expect(openai.data.map((m) => m.id)).toContain('fake-model');
  });
});

// ------------------------------------------------------------------ Anthropic

describe('Anthropic Messages', () => {
  it('streams text', async () => {
    const r = await post('/v1/messages', {
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    });
    const events = parseSse(r.text);
    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)?.event).toBe('message_stop');
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => parse<{ delta: { text: string } }>(e.data).delta.text)
      .join('');
    expect(text).toBe('Hello from the fake model.');
  });

  it('logs the tool result a request ends with', async () => {
    await post('/v1/messages', {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'shell please' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [{ type: 'text', text: 'User answered: Blue' }],
            },
          ],
        },
      ],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    });
    expect(lastLog()).toMatchObject({ step: 1, toolResult: 'User answered: Blue' });
  });

  it('answers a structured side request (output_config.format) with JSON', async () => {
    const r = await post('/v1/messages', {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'Title this session: hello' }],
      output_config: {
        format: {
          type: 'json_schema',
          schema: { type: 'object', properties: { title: { type: 'string' } } },
        },
      },
    });
    expect(JSON.parse(r.json<{ content: { text: string }[] }>().content[0]!.text)).toEqual({
      title: 'Fake title',
    });
  });

  it('answers an error turn with the Anthropic error shape', async () => {
    const r = await post('/v1/messages', {
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'fail please' }],
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    });
    expect(r.status).toBe(400);
    expect(r.json<{ content: { text: string }[] }>()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'scripted failure' },
    });
  });
});

describe('scripted usage', () => {
  const tools = [{ name: 'Bash', input_schema: { type: 'object' } }];
  const fnTools = [{ type: 'function', name: 'shell', parameters: { type: 'object' } }];

  it('Anthropic: input, cache and output counts (the output at the end of a stream)', async () => {
    const messages = [{ role: 'user', content: 'counted please' }];
    const whole = await post('/v1/messages', { model: 'm', messages, tools });
    expect(whole.json<{ usage: unknown }>().usage).toEqual({
      input_tokens: 120,
      output_tokens: 34,
      cache_creation_input_tokens: 7,
      cache_read_input_tokens: 56,
    });
    const events = parseSse(
      (await post('/v1/messages', { model: 'm', messages, tools, stream: true })).text,
    );
    const delta = events.find((e) => e.event === 'message_delta');
    expect(parse<{ usage: unknown }>(delta!.data).usage).toEqual({ output_tokens: 34 });
  });

  it('OpenAI Responses and Chat: input counts cached tokens, named apart', async () => {
    const r = await post('/v1/responses', { model: 'm', input: 'counted please', tools: fnTools });
    expect(r.json<{ usage: unknown }>().usage).toMatchObject({
      input_tokens: 176,
      input_tokens_details: { cached_tokens: 56 },
      output_tokens: 34,
    });
    const c = await post('/v1/chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: 'counted please' }],
      tools: [{ type: 'function', function: { name: 'shell', parameters: { type: 'object' } } }],
    });
    expect(c.json<{ usage: unknown }>().usage).toMatchObject({
      prompt_tokens: 176,
      prompt_tokens_details: { cached_tokens: 56 },
      completion_tokens: 34,
    });
  });

  it('other turns report the default', async () => {
    const r = await post('/v1/messages', {
      model: 'm',
      messages: [{ role: 'user', content: 'hello' }],
      tools,
    });
    expect(r.json<{ usage: { input_tokens: number } }>().usage.input_tokens).toBe(10);
  });
});

// ------------------------------------------------------------------ script files and main.ts

describe('script files', () => {
  it('turns "/regex/flags" strings into RegExps', () => {
    const s = scriptFromJson({
      turns: [
        { match: '/ticket (\\w+)/i', reply: '$1' },
        { match: 'plain', reply: 'x' },
      ],
    });
    expect(s.turns[0]?.match).toEqual(/ticket (\w+)/i);
    expect(s.turns[1]?.match).toBe('plain');
    expect(scriptFromJson([{ match: 'a', reply: 'b' }]).turns).toHaveLength(1);
    expect(() => scriptFromJson({ nope: 1 })).toThrow(/turns/);
  });

  it('main.ts serves a script file and logs replies as JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-model-test-'));
    const file = join(dir, 'script.json');
    writeFileSync(
      file,
      JSON.stringify({ turns: [{ match: '/order (\\d+)/', reply: 'Order $1 shipped.' }] }),
    );
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [join(import.meta.dirname, 'main.ts'), '--script', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /FAKE_MODEL_LISTENING (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`main.ts exited ${code}: ${err}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'where is order 77?' }],
          tools: [{ type: 'function', function: { name: 'bash', parameters: {} } }],
        }),
      });
      const j = (await res.json()) as ChatCompletion;
      expect(j.choices[0]!.message.content).toBe('Order 77 shipped.');
      const deadline = Date.now() + 5000;
      while (!err.includes('\n') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const line = JSON.parse(err.split('\n')[0] ?? '');
      expect(line).toMatchObject({
        api: 'openai-chat',
        lastUser: 'where is order 77?',
        decision: { kind: 'text', text: 'Order 77 shipped.' },
      });
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
