/**
 * List prices per model, for CLIs whose logs give tokens but no cost (Claude Code reports its
 * own cost, which is used instead). USD per million tokens, standard tier (no batch or priority
 * discounts), from the vendors' pricing pages as read on 2026-12-05:
 *
 * - Anthropic: https://docs.anthropic.com/en/docs/about-claude/pricing (cache write = the
 *   5-minute write rate; prompts over 200k tokens at the long-context rate);
 * - OpenAI: https://platform.openai.com/docs/pricing (cache write = the input rate: OpenAI
 *   bills no premium for writing its cache);
 * - Google: https://ai.google.dev/gemini-api/docs/pricing (cache read = context caching; prompts
 *   over 200k tokens at the long-context rate; cache storage per hour is not counted).
 *
 * A model is priced only by its exact name (a trailing `-YYYYMMDD` date or `@…` version
 * dropped): an unknown model's cost is unknown (null), never a neighbour's guessed price.
 */
import type { TokenUsage } from '../providers/logs/log.js';

export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelPrice extends Rates {
  /** Rates for a request whose prompt (input + cache) is over `above` tokens. */
  longContext?: Rates & { above: number };
}

/** The date the table was last checked against the pages above. */
export const PRICES_CHECKED = '2026-12-05';

const claude = (input: number, output: number, long?: Rates): ModelPrice => ({
  input,
  output,
  cacheRead: input / 10,
  cacheWrite: input * 1.25,
  ...(long ? { longContext: { ...long, above: 200_000 } } : {}),
});
const openai = (input: number, cacheRead: number, output: number): ModelPrice => ({
  input,
  output,
  cacheRead,
  cacheWrite: input,
});
const gemini = (input: number, cacheRead: number, output: number, long?: Rates): ModelPrice => ({
  input,
  output,
  cacheRead,
  cacheWrite: input,
  ...(long ? { longContext: { ...long, above: 200_000 } } : {}),
});
const SONNET_LONG: Rates = { input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 };

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-5': claude(5, 25),
  'claude-opus-4-1': claude(15, 75),
  'claude-opus-4': claude(15, 75),
  'claude-sonnet-4-5': claude(3, 15, SONNET_LONG),
  'claude-sonnet-4': claude(3, 15, SONNET_LONG),
  'claude-3-7-sonnet': claude(3, 15),
  'claude-haiku-4-5': claude(1, 5),
  'claude-3-5-haiku': claude(0.8, 4),
  'claude-3-haiku': { input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3 },
  'gpt-5': openai(1.25, 0.125, 10),
  'gpt-5-codex': openai(1.25, 0.125, 10),
  'gpt-5-mini': openai(0.25, 0.025, 2),
  'gpt-5-nano': openai(0.05, 0.005, 0.4),
  'gpt-5.1': openai(1.25, 0.125, 10),
  'gpt-5.1-codex': openai(1.25, 0.125, 10),
  'gpt-4.1': openai(2, 0.5, 8),
  o3: openai(2, 0.5, 8),
  'gemini-2.5-pro': gemini(1.25, 0.125, 10, {
    input: 2.5,
    output: 15,
    cacheRead: 0.25,
    cacheWrite: 2.5,
  }),
  'gemini-2.5-flash': gemini(0.3, 0.03, 2.5),
  'gemini-2.5-flash-lite': gemini(0.1, 0.01, 0.4),
};

/** The table's name for a model as a log records it, or undefined when it is not priced. */
export function pricedModel(model: string | undefined): string | undefined {
  if (!model) return undefined;
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^models\//, '')
    .replace(/@.*$/, '')
    .replace(/-\d{8}$/, '');
  return Object.hasOwn(PRICES, name) ? name : undefined;
}

/** USD for one reply's tokens, or null when the model is not in the table. */
export function replyCost(model: string | undefined, u: TokenUsage): number | null {
  const name = pricedModel(model);
  const p = name === undefined ? undefined : PRICES[name];
  if (!p) return null;
  const r =
    p.longContext && u.input + u.cacheRead + u.cacheWrite > p.longContext.above ? p.longContext : p;
  return (
    (u.input * r.input +
      u.output * r.output +
      u.cacheRead * r.cacheRead +
      u.cacheWrite * r.cacheWrite) /
    1e6
  );
}
