/**
 * The MCP tools through the SDK's in-memory transport, against the in-process stack: a real
 * MCP client calls cao-mcp-server's tools, which call the real HTTP app over `app.request`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { CaoClient } from '../client/api.js';
import type { TerminalView } from '../core/views.js';
import { createMcpServer } from './server.js';

let s: TestStack;
let client: Client;
afterEach(async () => {
  await client?.close();
  await s?.close();
});

async function connect(
  terminalId: string | undefined,
  workingDirectoryParam = false,
): Promise<Client> {
  const api = new CaoClient('http://127.0.0.1:9889', {
    fetch: (input, init) => Promise.resolve(s.app.request(input as string, init)),
  });
  const server = createMcpServer({ client: api, terminalId, workingDirectoryParam });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const c = new Client({ name: 'test', version: '1' });
  await c.connect(b);
  return c;
}

async function supervisor(): Promise<TerminalView> {
  const r = await s.req<TerminalView>(
    'POST',
    `/sessions?agent_profile=code_supervisor&session_name=sup&working_directory=${s.work}&provider=claude_code`,
  );
  expect(r.status).toBe(201);
  return r.body;
}

type CallResult = { isError?: boolean; content: { type: string; text: string }[] };
const call = async (
  name: string,
  args: Record<string, unknown>,
): Promise<{ isError: boolean; body: Record<string, unknown> }> => {
  const r = (await client.callTool({ name, arguments: args })) as CallResult;
  return {
    isError: r.isError ?? false,
    body: JSON.parse(r.content[0]?.text ?? '{}') as Record<string, unknown>,
  };
};

const until = async (pred: () => Promise<boolean> | boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in time');
};

describe('cao-mcp-server tools', () => {
  it('lists the tools with the original parameters', async () => {
    s = createTestStack();
    client = await connect('abcdef01');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'answer_user_prompt',
      'assign',
      'delete_terminal',
      'handoff',
      'send_message',
    ]);
    const handoff = tools.find((t) => t.name === 'handoff');
    expect(Object.keys(handoff?.inputSchema.properties ?? {}).sort()).toEqual([
      'agent_profile',
      'message',
      'model',
      'timeout',
    ]);
    const withWd = await connect('abcdef01', true);
    const t2 = (await withWd.listTools()).tools.find((t) => t.name === 'assign');
    expect(Object.keys(t2?.inputSchema.properties ?? {})).toContain('working_directory');
    await withWd.close();
  });

  it('handoff: starts a worker, returns its answer, removes it', async () => {
    s = createTestStack({
      program: () => fakeClaude({ turnMs: 30, answer: (m) => `Built it: ${m.split('\n')[0]}` }),
    });
    const sup = await supervisor();
    client = await connect(sup.id);
    const r = await call('handoff', {
      agent_profile: 'developer',
      message: 'write hello.py',
      timeout: 30,
    });
    expect(r.isError).toBe(false);
    expect(r.body).toMatchObject({ success: true, output: 'Built it: write hello.py' });
    expect(r.body['message']).toMatch(
      /^Successfully handed off to developer \(claude_code\) in \d+\.\d\ds$/,
    );
    expect((await s.req('GET', `/terminals/${String(r.body['terminal_id'])}`)).status).toBe(404);
    const worker = [...s.runtime.panes.values()].find(
      (p) => p.spec.terminalId === r.body['terminal_id'],
    );
    expect(worker).toBeUndefined();
  });

  it('handoff: fails at once when the worker stops at a permission prompt, keeping it for an answer', async () => {
    s = createTestStack({ program: () => fakeClaude({ permissionOn: 'rm', turnMs: 20 }) });
    const sup = await supervisor();
    client = await connect(sup.id);
    const started = Date.now();
    const r = await call('handoff', {
      agent_profile: 'developer',
      message: 'please rm the temp files',
      timeout: 600,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.isError).toBe(true);
    expect(r.body['message']).toMatch(
      /is waiting for an answer: permission-prompt|Do you want to proceed/,
    );
    const worker = String(r.body['terminal_id']);
    const answered = await call('answer_user_prompt', { terminal_id: worker, answer: 'yes' });
    expect(answered).toMatchObject({ isError: false, body: { success: true } });
    await until(() => s.deps.tracker.get(worker)?.status === 'completed');
    expect((await call('delete_terminal', { terminal_id: worker })).body).toMatchObject({
      success: true,
    });
  });

  it('handoff: a worker whose turn is interrupted before it answers stops the call, keeping the worker', async () => {
    s = createTestStack({ program: () => fakeClaude({ turnMs: 60_000 }) });
    const sup = await supervisor();
    client = await connect(sup.id);
    const pending = call('handoff', {
      agent_profile: 'developer',
      message: 'slow work',
      timeout: 600,
    });
    let worker: TerminalView | undefined;
    await until(async () => {
      const list = await s.req<TerminalView[]>('GET', '/sessions/cao-sup/terminals');
      worker = list.body.find((t) => t.agent_profile === 'developer');
      return worker !== undefined && s.deps.tracker.get(worker.id)?.status === 'processing';
    });
    // someone at the worker's screen presses Esc: Claude puts the message back in its box
    expect((await s.req('POST', `/terminals/${worker!.id}/key?key=Escape`)).status).toBe(200);
    const r = await pending;
    expect(r.isError).toBe(true);
    expect(r.body['message']).toMatch(
      new RegExp(
        `^Handoff stopped: the turn of worker ${worker!.id} \\(developer \\(claude_code\\)\\) was interrupted before it answered`,
      ),
    );
    expect(r.body['output']).toBeNull();
    expect((await s.req('GET', `/terminals/${worker!.id}`)).status).toBe(200);
  });

  it('handoff: a worker that crashes during start-up fails the call with the reason', async () => {
    s = createTestStack({
      program: (spec) =>
        fakeClaude(spec.windowName.startsWith('developer') ? { crashOnStart: 3 } : {}),
    });
    const sup = await supervisor();
    client = await connect(sup.id);
    const r = await call('handoff', { agent_profile: 'developer', message: 'x', timeout: 30 });
    expect(r.isError).toBe(true);
    expect(r.body['message']).toMatch(
      /Handoff failed: (worker \w+ \(developer\) failed to start|terminal \w+ is gone: .*status 3)/,
    );
  });

  it('assign: returns at once; the task is delivered; the worker reports back with send_message', async () => {
    s = createTestStack({ program: () => fakeClaude({ turnMs: 30 }) });
    const sup = await supervisor();
    client = await connect(sup.id);
    const started = Date.now();
    const r = await call('assign', { agent_profile: 'reviewer', message: 'review hello.py' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.body).toMatchObject({ success: true });
    expect(r.body['message']).toMatch(/^Task assigned to reviewer \(terminal: [a-f0-9]{8}\)/);
    const worker = String(r.body['terminal_id']);
    await until(
      async () =>
        (await s.store.listMessages({ receiverId: worker, states: ['delivered'] })).length === 1,
    );
    const task = s.runtime.paneOf(worker).pasted.join('');
    expect(task).toContain(`[Assigned by terminal ${sup.id} (cao message`);
    // the worker replies to its caller without naming it
    const workerClient = await connect(worker);
    const sent = (await workerClient.callTool({
      name: 'send_message',
      arguments: { message: 'LGTM' },
    })) as CallResult;
    const body = JSON.parse(sent.content[0]?.text ?? '{}') as {
      success: boolean;
      receiver_id: string;
    };
    expect(body).toMatchObject({ success: true, receiver_id: sup.id });
    await until(() => s.runtime.paneOf(sup.id).pasted.some((p) => p.startsWith('LGTM')));
    await workerClient.close();
  });

  it('send_message: refuses a message to oneself and a terminal without a caller needs a receiver', async () => {
    s = createTestStack();
    const sup = await supervisor();
    client = await connect(sup.id);
    expect((await call('send_message', { message: 'hi' })).body['error']).toMatch(
      /no caller to reply to/,
    );
    expect(
      (await call('send_message', { message: 'hi', receiver_id: sup.id })).body['error'],
    ).toMatch(/yourself/);
  });

  it('says what is wrong outside a cao terminal', async () => {
    s = createTestStack();
    client = await connect(undefined);
    const r = await call('assign', { agent_profile: 'developer', message: 'x' });
    expect(r.isError).toBe(true);
    expect(r.body['message']).toMatch(/CAO_TERMINAL_ID is not set/);
  });
});

describe('tools-listed report', () => {
  it('fires once, after the reply to the first tools/list', async () => {
    s = createTestStack();
    const { onToolsListed } = await import('./tools-listed.js');
    const api = new CaoClient('http://127.0.0.1:9889', {
      fetch: (input, init) => Promise.resolve(s.app.request(input as string, init)),
    });
    const server = createMcpServer({
      client: api,
      terminalId: 'abcdef01',
      workingDirectoryParam: false,
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    let listed = 0;
    onToolsListed(a, () => listed++);
    client = new Client({ name: 'test', version: '1' });
    await client.connect(b);
    expect(listed).toBe(0);
    await client.listTools();
    await client.listTools();
    expect(listed).toBe(1);
  });
});
