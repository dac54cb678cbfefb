/**
 * Request parameters, declared once per route as a zod schema: validated here, and typed for
 * the `hc` client (src/client/api.ts) from the same declaration. As in the original CAO, a
 * parameter may come in the query string (`POST /terminals/{id}/input?message=…`) or in a JSON
 * body; the query wins when both give one. Errors are the API's own: a missing or mistyped
 * parameter is 422 naming it, a body that is not a JSON object is 400.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import { z } from 'zod';
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

/** Builders for parameter schemas, with the wording of the API's errors. */
export const p = {
  /** A required, non-empty string. */
  text: () => z.string({ error: 'must be a string' }).min(1, { error: 'is required' }),
  /**
   * Text typed into an agent (`message`, `prompt`, `initial_message`): a string (422 for a
   * number or an object), control characters removed; empty after that → 400, over
   * MAX_MESSAGE_BYTES → 413 (core/input.ts `acceptMessage`, which the core applies again).
   */
  message: () => z.string({ error: 'must be a string' }).transform((v) => acceptMessage(v)),
  /** An optional string ('' allowed). */
  optText: () => z.string({ error: 'must be a string' }).optional(),
  /** An integer in [min, max]: a JSON number or its digits in the query. */
  int: (min: number, max: number) => {
    const error = `must be an integer from ${min} to ${max}`;
    return z
      .union(
        [
          z.number(),
          z
            .string()
            .regex(/^-?\d+$/)
            .transform(Number),
        ],
        { error },
      )
      .pipe(z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
  },
  /** A number: a JSON number or its decimal digits in the query (the core checks its range). */
  num: () =>
    z.union(
      [
        z.number(),
        z
          .string()
          .regex(/^-?\d+(\.\d+)?$/)
          .transform(Number),
      ],
      { error: 'must be a number' },
    ),
  /** true/false (also 1/0, yes/no, on/off in the query). */
  bool: () =>
    z.union(
      [
        z.boolean(),
        z
          .string()
          .regex(/^(1|0|true|false|yes|no|on|off)$/i)
          .transform((v) => /^(1|true|yes|on)$/i.test(v)),
      ],
      { error: 'must be true or false' },
    ),
  /** A list: comma-separated in the query, or a JSON array of strings. */
  list: () =>
    z.union(
      [
        z.array(z.string()),
        z.string().transform((v) =>
          v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ],
      { error: 'must be a list of strings' },
    ),
  /** An object of string values (JSON body only, e.g. `env_vars`). */
  record: () => z.record(z.string(), z.string(), { error: 'must be an object of string values' }),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `must be one of ${values.join(', ')}` }),
};

/** Validates `raw` against `schema`; a failure is the API's 422 naming the parameter. */
export function parseParams<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = String(issue?.path[0] ?? '');
  if (name === '') throw new CaoError('UNPROCESSABLE', issue?.message ?? 'Invalid parameters.');
  const given = raw[name];
  if (given === undefined || given === null || (issue?.message === 'is required' && given === ''))
    throw new CaoError('UNPROCESSABLE', `Missing required parameter '${name}'.`);
  const why = issue?.message.startsWith('must')
    ? issue.message
    : `is invalid (${issue?.message ?? ''})`;
  throw new CaoError('UNPROCESSABLE', `Parameter '${name}' ${why}.`);
}

/** Query values, one per name (the first when repeated). */
function queryValues(c: Context): Record<string, string> {
  return c.req.query();
}

/**
 * Parameters of a route that changes something: the query and the JSON body together. Typed
 * for `hc` as a JSON body (`$post({ json: {...} })`).
 */
export function body<S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<Env, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return async (c, next) => {
    const raw = { ...(await jsonBody(c)), ...queryValues(c) };
    c.req.addValidatedData('json', parseParams(schema, raw) as object);
    await next();
  };
}

/** Parameters of a route that only reads: the query string. Typed for `hc` as `query`. */
export function query<S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<Env, string, { in: { query: z.input<S> }; out: { query: z.output<S> } }> {
  return async (c, next) => {
    c.req.addValidatedData('query', parseParams(schema, queryValues(c)) as object);
    await next();
  };
}
