/**
 * The Gemini API (what Gemini CLI speaks): `models/<model>:streamGenerateContent` (SSE with
 * `?alt=sse`, else one JSON array) and `models/<model>:generateContent`. `:countTokens` and
 * the model list are answered by the server.
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
import { sendJson, sleep, sse, sseStart, words } from './http.js';

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: unknown;
  functionResponse?: unknown;
}
interface Content {
  role?: string;
  parts?: Part[];
}

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function geminiConversation(body: Record<string, unknown>): Conversation {
  const cs = (Array.isArray(body['contents']) ? body['contents'] : []) as Content[];
  let idx = -1;
  let text = '';
  for (let i = cs.length - 1; i >= 0; i--) {
    const c = cs[i];
    if (!c || (c.role ?? 'user') !== 'user') continue;
    const parts = c.parts ?? [];
    if (parts.some((p) => p.functionResponse)) continue;
    // Gemini CLI puts <session_context>…</session_context> in the first prompt's content
    const t = cleanUserText(
      parts
        .filter((p) => !p.thought && p.text && !isInjectedContext(p.text))
        .map((p) => p.text)
        .join('\n'),
    );
    if (t) {
      idx = i;
      text = t;
      break;
    }
  }
  const step = idx < 0 ? 0 : cs.slice(idx + 1).filter((c) => c.role === 'model').length;
  const tools: OfferedTool[] = [];
  for (const t of (Array.isArray(body['tools']) ? body['tools'] : []) as {
    functionDeclarations?: {
      name?: string;
      parameters?: Record<string, unknown>;
      parametersJsonSchema?: Record<string, unknown>;
    }[];
  }[]) {
    for (const f of t.functionDeclarations ?? []) {
      if (f.name)
        tools.push({ name: f.name, schema: f.parametersJsonSchema ?? f.parameters ?? {} });
    }
  }
  const gc = (body['generationConfig'] ?? {}) as {
    responseMimeType?: string;
    responseJsonSchema?: Record<string, unknown>;
    responseSchema?: Record<string, unknown>;
  };
  const jsonSchema =
    gc.responseMimeType === 'application/json'
      ? (gc.responseJsonSchema ?? gc.responseSchema ?? {})
      : undefined;
  // the function responses after the model's latest turn (what a CLI's own tool gave back)
  const lastModel = cs.findLastIndex((c) => c.role === 'model');
  const responses = cs
    .slice(lastModel + 1)
    .flatMap((c) => c.parts ?? [])
    .filter((p) => p.functionResponse)
    .map((p) => JSON.stringify(p.functionResponse));
  return {
    lastUser: text,
    step,
    tools,
    ...(lastModel >= 0 && responses.length > 0 ? { toolResult: responses.join('\n') } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

export async function geminiReply(
  req: IncomingMessage,
  res: ServerResponse,
  _body: Record<string, unknown>,
  d: Decision,
): Promise<void> {
  await sleep(d.delayMs);
  if (d.kind === 'error') {
    sendJson(res, d.status, {
      error: { code: d.status, message: d.message, status: STATUS[d.status] ?? 'UNKNOWN' },
    });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const model = /\/models\/([^/:]+):/.exec(url.pathname)?.[1] ?? 'gemini-fake';
  const responseId = randomBytes(10).toString('base64url');
  const u = usageOf(d);
  const usageMetadata = {
    promptTokenCount: u.input + u.cacheRead,
    ...(u.cacheRead > 0 ? { cachedContentTokenCount: u.cacheRead } : {}),
    candidatesTokenCount: u.output,
    totalTokenCount: u.input + u.cacheRead + u.output,
  };
  const chunk = (parts: Part[] | Record<string, unknown>[], last: boolean): unknown => ({
    candidates: [
      {
        content: { role: 'model', parts },
        ...(last ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    usageMetadata,
    modelVersion: model,
    responseId,
  });
  const pieces: Record<string, unknown>[][] =
    d.kind === 'tool'
      ? [[{ functionCall: { name: d.name, args: d.input } }]]
      : words(d.text).map((w) => [{ text: w }]);
  if (!url.pathname.endsWith(':streamGenerateContent')) {
    const parts = d.kind === 'tool' ? (pieces[0] ?? []) : [{ text: d.text }];
    sendJson(res, 200, chunk(parts, true));
    return;
  }
  if (url.searchParams.get('alt') === 'sse') {
    sseStart(res);
    pieces.forEach((p, i) => sse(res, null, chunk(p, i === pieces.length - 1)));
    res.end();
    return;
  }
  // without alt=sse the stream is one JSON array of chunks
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(pieces.map((p, i) => chunk(p, i === pieces.length - 1))));
}
