/**
 * The project's fake model server: answers agent CLIs' model requests from a script, on
 * 127.0.0.1 only, and records when each reply finished (for latency measurements).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { anthropicConversation, anthropicReply } from './anthropic.js';
import { geminiConversation, geminiReply } from './gemini.js';
import { chatConversation, chatReply } from './openai-chat.js';
import { responsesConversation, responsesReply } from './openai-responses.js';
import { decide, type Conversation, type Decision, type Script } from './script.js';
import { sendJson } from './http.js';

export interface ReplyLog {
  /** Epoch ms when the reply was fully sent. */
  at: number;
  api: string;
  path: string;
  lastUser: string;
  /** Model replies since that user message (0 = first request of the turn). */
  step: number;
  decision: Decision;
  /** A main turn request (tools offered), not a side request. */
  main: boolean;
  /** The tool result the request ended with, if any. */
  toolResult?: string;
}

export interface FakeModelOptions {
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Called after each reply has been sent. */
  onReply?: (r: ReplyLog) => void;
  /** Writes each request (method, url, headers, body) there as a JSON file, for debugging. */
  dumpDir?: string;
}

export interface FakeModel {
  url: string;
  port: number;
  log: ReplyLog[];
  setScript(script: Script): void;
  /** Resolves when a reply satisfying `pred` has been sent (checks the log first). */
  waitForReply(pred: (r: ReplyLog) => boolean, timeoutMs?: number): Promise<ReplyLog>;
  /** From now on, notes each request whose body contains `text` (e.g. a fact told in an
   *  earlier turn); returns the latest user message of each such request. */
  watch(text: string): string[];
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

/** One entry per wire API; `route` is tested on the path of POST requests (any prefix). */
const APIS: Api[] = [
  {
    name: 'anthropic',
    route: /\/messages$/,
    conversation: anthropicConversation,
    reply: anthropicReply,
  },
  {
    name: 'openai-chat',
    route: /\/chat\/completions$/,
    conversation: chatConversation,
    reply: chatReply,
  },
  {
    name: 'openai-responses',
    route: /\/responses$/,
    conversation: responsesConversation,
    reply: responsesReply,
  },
  {
    name: 'gemini',
    route: /\/models\/[^/]+:(streamGenerateContent|generateContent)$/,
    conversation: geminiConversation,
    reply: geminiReply,
  },
];

const MODELS = [
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-opus-4-1',
  'fake-model',
  'gpt-5',
  'gemini-2.5-pro',
  'gemini-2.5-flash',
];

/** A model entry in the OpenAI / Anthropic list shape (both read `id`). */
const openaiModel = (id: string): Record<string, unknown> => ({
  id,
  object: 'model',
  type: 'model',
  display_name: id,
  created: 1_735_689_600,
  created_at: '2025-01-01T00:00:00Z',
  owned_by: 'fake-model',
});
const geminiModel = (id: string): Record<string, unknown> => ({
  name: `models/${id}`,
  version: '001',
  displayName: id,
  inputTokenLimit: 1_048_576,
  outputTokenLimit: 65_536,
  supportedGenerationMethods: ['generateContent', 'countTokens'],
});

export async function startFakeModel(
  initial: Script = { turns: [] },
  opts: FakeModelOptions = {},
): Promise<FakeModel> {
  let script = initial;
  let requests = 0;
  const log: ReplyLog[] = [];
  const watched = new Map<string, string[]>();
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
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // decoded once: a multi-byte character may straddle two chunks of a large request
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    if (opts.dumpDir) {
      mkdirSync(opts.dumpDir, { recursive: true });
      const name = `${String(++requests).padStart(4, '0')}-${req.method}${path.replace(/[^\w]+/g, '_')}`;
      writeFileSync(
        join(opts.dumpDir, `${name.slice(0, 100)}.json`),
        JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }, null, 2),
      );
    }
    const gemini = /\/v1(beta|alpha)\//.test(path);
    if (req.method === 'POST' && /count_tokens$/.test(path))
      return sendJson(res, 200, { input_tokens: 10 });
    if (req.method === 'POST' && /:countTokens$/.test(path))
      return sendJson(res, 200, { totalTokens: 10 });
    if (req.method === 'GET' && /\/models$/.test(path)) {
      if (gemini) return sendJson(res, 200, { models: MODELS.map(geminiModel) });
      return sendJson(res, 200, {
        object: 'list',
        data: MODELS.map(openaiModel),
        has_more: false,
        first_id: MODELS[0],
        last_id: MODELS[MODELS.length - 1],
      });
    }
    if (req.method === 'GET' && /\/models\/[^/]+$/.test(path)) {
      const id = path.split('/').pop() ?? 'fake-model';
      return sendJson(res, 200, gemini ? geminiModel(id) : openaiModel(id));
    }
    const api = req.method === 'POST' ? APIS.find((a) => a.route.test(path)) : undefined;
    if (!api)
      return sendJson(res, 404, {
        error: {
          type: 'not_found_error',
          code: 404,
          message: `fake-model: no route ${req.method} ${path}`,
        },
      });
    const c = api.conversation(body);
    for (const [text, seen] of watched) if (raw.includes(text)) seen.push(c.lastUser);
    const d = decide(script, { ...c, context: c.context ?? raw });
    await api.reply(req, res, body, d);
    const entry: ReplyLog = {
      at: Date.now(),
      api: api.name,
      path,
      lastUser: c.lastUser,
      step: c.step,
      decision: d,
      main: c.tools.length > 0,
      ...(c.toolResult !== undefined ? { toolResult: c.toolResult } : {}),
    };
    log.push(entry);
    opts.onReply?.(entry);
    for (const w of [...waiters]) {
      if (w.pred(entry)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    setScript(s) {
      script = s;
    },
    watch(text) {
      const seen = watched.get(text) ?? [];
      watched.set(text, seen);
      return seen;
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
