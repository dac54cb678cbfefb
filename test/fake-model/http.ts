/** HTTP helpers shared by the fake model's API adapters. */
import type { ServerResponse } from 'node:http';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sendJson(res: ServerResponse, status: number, obj: unknown): void {
  const s = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(s),
  });
  res.end(s);
}

export function sseStart(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

export function sse(res: ServerResponse, event: string | null, data: unknown): void {
  if (event) res.write(`event: ${event}\n`);
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Splits text into small chunks, like a model streaming tokens. */
export function words(text: string): string[] {
  const parts = text.split(/(?<=\s)/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += 4) out.push(parts.slice(i, i + 4).join(''));
  return out.length > 0 ? out : [''];
}

/** The OpenAI error body (Chat Completions and Responses). */
export function openaiError(status: number, message: string): Record<string, unknown> {
  const type =
    status === 400
      ? 'invalid_request_error'
      : status === 401
        ? 'authentication_error'
        : status === 403
          ? 'permission_error'
          : status === 404
            ? 'not_found_error'
            : status === 429
              ? 'rate_limit_exceeded'
              : 'server_error';
  return { error: { message, type, param: null, code: type } };
}
