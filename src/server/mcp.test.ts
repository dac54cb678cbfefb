/**
 * cao's MCP tools at `/mcp`: a real MCP client (the official SDK, Streamable HTTP) talks to the
 * in-process stack's HTTP app over `app.request`, with a terminal's own token.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';

let s: TestStack;
let client: Client;
afterEach(async () => {
  await client?.close();
  await s?.close();
});

/** The token cao gave the terminal (the file its agent reads). */
const tokenOf = (terminalId: string): string =>
  readFileSync(join(s.paths.tmp, `${terminalId}.token`), 'utf8').trim();

/** An MCP client with `authorization` (default: the terminal's own token). */
async function connect(
  terminalId: string,
  authorization = `Bearer ${tokenOf(terminalId)}`,
): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1:9889/mcp'), {
    fetch: (input, init) => Promise.resolve(s.app.request(String(input), init)),
    requestInit: { headers: { authorization } },
  });
  const c = new Client({ name: 'test', version: '1' });
  await c.connect(transport);
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
    client = await connect((await supervisor()).id);
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
      'host',
      'max_cost',
      'max_tokens',
      'message',
      'model',
      'timeout',
      'use_worktree',
    ]);
    await client.close();
    await s.close();
    s = createTestStack({ env: { CAO_ENABLE_WORKING_DIRECTORY: '1' } });
    client = await connect((await supervisor()).id);
    const t2 = (await client.listTools()).tools.find((t) => t.name === 'assign');
    expect(Object.keys(t2?.inputSchema.properties ?? {})).toContain('working_directory');
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
    // the worker goes after the answer was returned, in the background
    const id = String(r.body['terminal_id']);
    for (let i = 0; i < 100 && (await s.req('GET', `/terminals/${id}`)).status !== 404; i++)
      await new Promise((done) => setTimeout(done, 20));
    expect((await s.req('GET', `/terminals/${id}`)).status).toBe(404);
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

  it('marks the terminal ready for its task when its CLI lists the tools', async () => {
    s = createTestStack({ mcpConnects: false });
    const sup = await supervisor();
    expect((await s.store.getTerminal(sup.id))?.mcpReadyAt).toBeNull();
    client = await connect(sup.id);
    expect((await s.store.getTerminal(sup.id))?.mcpReadyAt).toBeNull();
    await client.listTools();
    expect((await s.store.getTerminal(sup.id))?.mcpReadyAt).not.toBeNull();
  });
});

describe('identity', () => {
  it("a terminal's token acts as that terminal only: naming another is ignored or refused", async () => {
    s = createTestStack();
    const a = await supervisor();
    const b = (
      await s.req<TerminalView>('POST', '/sessions', {
        agent_profile: 'developer',
        session_name: 'other',
        working_directory: s.work,
        provider: 'claude_code',
      })
    ).body;
    // over MCP the caller is the token's terminal, whatever the request claims
    const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1:9889/mcp'), {
      fetch: (input, init) => Promise.resolve(s.app.request(String(input), init)),
      requestInit: {
        headers: { authorization: `Bearer ${tokenOf(a.id)}`, 'x-cao-terminal': b.id },
      },
    });
    client = new Client({ name: 'test', version: '1' });
    await client.connect(transport);
    const r = (await client.callTool({
      name: 'send_message',
      arguments: { message: 'from a', receiver_id: b.id },
    })) as CallResult;
    expect(JSON.parse(r.content[0]!.text)).toMatchObject({ success: true, sender_id: a.id });
    // over the shell twins, naming another caller is refused
    const forged = await s.req<{ detail: string }>(
      'POST',
      '/agent/send-message',
      { caller_id: b.id, receiver_id: a.id, message: 'forged' },
      { authorization: `Bearer ${tokenOf(a.id)}` },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.detail).toContain(`cannot act as terminal ${b.id}`);
    // nor may it read another session's screens or type into them
    for (const [method, path] of [
      ['GET', `/terminals/${b.id}/output`],
      ['POST', `/terminals/${b.id}/input?message=hi`],
      ['GET', '/sessions/cao-other'],
      ['GET', '/events'],
    ] as const) {
      const r2 = await s.req(method, path, undefined, { authorization: `Bearer ${tokenOf(a.id)}` });
      expect(r2.status, `${method} ${path}`).toBe(403);
    }
    // its own session it may read
    const own = await s.req('GET', `/terminals/${a.id}/output`, undefined, {
      authorization: `Bearer ${tokenOf(a.id)}`,
    });
    expect(own.status).toBe(200);
  });

  it("a deleted terminal's token stops working at once", async () => {
    s = createTestStack();
    const sup = await supervisor();
    const token = tokenOf(sup.id);
    expect((await s.req('DELETE', `/terminals/${sup.id}`)).status).toBe(200);
    const r = await s.app.request('http://127.0.0.1:9889/mcp', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(r.status).toBe(401);
  });

  it('without a credential, or with a malformed or guessed one: 401 saying where the token is', async () => {
    s = createTestStack();
    await supervisor();
    for (const authorization of [
      '',
      'Bearer',
      'Basic abc',
      'Bearer not-a-token',
      `Bearer cao_t_${'A'.repeat(43)}`,
      `Bearer cao_o_${'B'.repeat(43)}`,
      `Bearer cao_t_${'x'.repeat(5000)}`,
    ]) {
      const r = await s.req<{ detail: string; code: string }>(
        'POST',
        '/mcp',
        {},
        { authorization },
      );
      expect(r.status, authorization.slice(0, 30)).toBe(401);
      expect(r.body.detail).toMatch(/owner token .*it is in .*owner\.token/);
    }
  });
});
