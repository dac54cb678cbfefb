/**
 * The project's fake model server: answers agent CLIs' model requests from a script, on
 * 127.0.0.1 only, and records when each reply finished (for latency measurements).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicConversation, anthropicReply } from './anthropic.js';
import { decide, type Conversation, type Decision, type Script } from './script.js';
import { sendJson } from './http.js';

export interface ReplyLog {
  /** Epoch ms when the reply was fully sent. */
  at: number;
  api: string;
  path: string;
  lastUser: string;
  decision: Decision;
  /** A main turn request (tools offered), not a side request. */
  main: boolean;
}

export interface FakeModel {
  url: string;
  port: number;
  log: ReplyLog[];
  setScript(script: Script): void;
  /** Resolves when a reply satisfying `pred` has been sent (checks the log first). */
  waitForReply(pred: (r: ReplyLog) => boolean, timeoutMs?: number): Promise<ReplyLog>;
  close(): Promise<void>;
}

type Api = {
  name: string;
  route: RegExp;
  conversation(body: Record<string, unknown>): Conversation;
  reply(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
    d: Decision,
  ): Promise<void>;
};

const APIS: Api[] = [
  {
    name: 'anthropic',
    route: /\/messages$/,
    conversation: anthropicConversation,
    reply: anthropicReply,
  },
];

const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'fake-model'];

export async function startFakeModel(initial: Script = { turns: [] }): Promise<FakeModel> {
  let script = initial;
  const log: ReplyLog[] = [];
  const waiters = new Set<{ pred: (r: ReplyLog) => boolean; resolve: (r: ReplyLog) => void }>();
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { type: 'api_error', message: String(e) } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    if (req.method === 'POST' && /count_tokens$/.test(path))
      return sendJson(res, 200, { input_tokens: 10 });
    if (req.method === 'GET' && /\/models$/.test(path)) {
      return sendJson(res, 200, {
        object: 'list',
        data: MODELS.map((id) => ({
          id,
          object: 'model',
          type: 'model',
          display_name: id,
          created_at: '2025-01-01T00:00:00Z',
        })),
        has_more: false,
      });
    }
    if (req.method === 'GET' && /\/models\/[^/]+$/.test(path)) {
      const id = path.split('/').pop() ?? 'fake-model';
      return sendJson(res, 200, {
        id,
        object: 'model',
        type: 'model',
        display_name: id,
        created_at: '2025-01-01T00:00:00Z',
      });
    }
    const api = req.method === 'POST' ? APIS.find((a) => a.route.test(path)) : undefined;
    if (!api)
      return sendJson(res, 404, {
        error: { type: 'not_found_error', message: `fake-model: no route ${req.method} ${path}` },
      });
    const c = api.conversation(body);
    const d = decide(script, c);
    await api.reply(req, res, body, d);
    const entry: ReplyLog = {
      at: Date.now(),
      api: api.name,
      path,
      lastUser: c.lastUser,
      decision: d,
      main: c.tools.length > 0,
    };
    log.push(entry);
    for (const w of [...waiters]) {
      if (w.pred(entry)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    setScript(s) {
      script = s;
    },
    waitForReply(pred, timeoutMs = 60_000) {
      const hit = log.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w))
            reject(new Error('fake-model: expected reply did not happen in time'));
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
