/**
 * Request parameters the way the original CAO takes them (query string, e.g.
 * `POST /terminals/{id}/input?message=…`), with a JSON body accepted too.
 */
import type { Context } from 'hono';
import { acceptMessage } from '../core/input.js';
import { CaoError } from '../lib/errors.js';

const BODY_KEY = 'cao:body';

/** The JSON body as an object ({} when there is none). Parsed once per request. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const cached = c.get(BODY_KEY as never) as Record<string, unknown> | undefined;
  if (cached) return cached;
  let body: Record<string, unknown> = {};
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    const text = await c.req.text();
    if (text.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new CaoError('INVALID_INPUT', `Invalid JSON body: ${(e as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new CaoError('INVALID_INPUT', 'The JSON body must be an object.');
      }
      body = parsed as Record<string, unknown>;
    }
  }
  c.set(BODY_KEY as never, body as never);
  return body;
}

/** A string parameter from the query, else the JSON body. */
export async function param(c: Context, name: string): Promise<string | undefined> {
  const q = c.req.query(name);
  if (q !== undefined) return q;
  const v = (await jsonBody(c))[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new CaoError('UNPROCESSABLE', `Parameter '${name}' must be a string.`);
}

export async function requiredParam(c: Context, name: string): Promise<string> {
  const v = await param(c, name);
  if (v === undefined || v === '')
    throw new CaoError('UNPROCESSABLE', `Missing required parameter '${name}'.`);
  return v;
}

/**
 * Text typed into an agent (`message`, `prompt`, `initial_message`): a JSON string, never a
 * number or an object (422); control characters removed; empty after that → 400, over
 * `MAX_MESSAGE_BYTES` → 413 (core/input.ts `acceptMessage`, which the core applies again).
 */
export async function messageParam(c: Context, name: string): Promise<string | undefined> {
  let v: string | undefined = c.req.query(name);
  if (v === undefined) {
    const raw = (await jsonBody(c))[name];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new CaoError('UNPROCESSABLE', `Parameter '${name}' must be a string.`);
    }
    v = raw ?? undefined;
  }
  return v === undefined ? undefined : acceptMessage(v);
}

export async function requiredMessageParam(c: Context, name: string): Promise<string> {
  const v = await messageParam(c, name);
  if (v === undefined) throw new CaoError('UNPROCESSABLE', `Missing required parameter '${name}'.`);
  return v;
}

export async function boolParam(c: Context, name: string): Promise<boolean | undefined> {
  const v = await param(c, name);
  if (v === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new CaoError('UNPROCESSABLE', `Parameter '${name}' must be true or false.`);
}

export async function intParam(
  c: Context,
  name: string,
  min: number,
  max: number,
): Promise<number | undefined> {
  const v = await param(c, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CaoError(
      'UNPROCESSABLE',
      `Parameter '${name}' must be an integer from ${min} to ${max}.`,
    );
  }
  return n;
}

/** A list parameter: a comma-separated string in the query, or a JSON array in the body. */
export async function listParam(c: Context, name: string): Promise<string[] | undefined> {
  const q = c.req.query(name);
  if (q !== undefined)
    return q
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const v = (await jsonBody(c))[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw new CaoError('UNPROCESSABLE', `Parameter '${name}' must be a list of strings.`);
}

/** A string-to-string object from the JSON body (e.g. `env_vars`). */
export async function recordParam(
  c: Context,
  name: string,
): Promise<Record<string, string> | undefined> {
  const v = (await jsonBody(c))[name];
  if (v === undefined || v === null) return undefined;
  if (
    typeof v !== 'object' ||
    Array.isArray(v) ||
    !Object.values(v).every((x) => typeof x === 'string')
  ) {
    throw new CaoError('UNPROCESSABLE', `'${name}' must be an object of string values.`);
  }
  return v as Record<string, string>;
}
