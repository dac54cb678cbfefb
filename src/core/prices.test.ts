import { describe, expect, it } from 'vitest';
import { pricedModel, replyCost } from './prices.js';

const u = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

describe('the price table', () => {
  it('prices a model by its exact name, its date suffix dropped', () => {
    expect(pricedModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(pricedModel('models/gemini-2.5-pro')).toBe('gemini-2.5-pro');
    // $3 in, $15 out, $0.30 cache read, $3.75 cache write per million
    expect(replyCost('claude-sonnet-4-5-20250929', u(1000, 1000, 1000, 1000))).toBeCloseTo(
      0.02205,
      9,
    );
    expect(replyCost('gpt-5', u(1000, 100, 10_000))).toBeCloseTo(0.00125 + 0.001 + 0.00125, 9);
  });

  it('never guesses: an unknown or neighbouring model has no price', () => {
    for (const m of ['claude-opus-4-6', 'claude-test', 'gpt-5.9', 'sonnet', undefined])
      expect(replyCost(m, u(10, 10))).toBeNull();
  });

  it('uses the long-context rate for a prompt over 200k tokens', () => {
    expect(replyCost('gemini-2.5-pro', u(150_000, 0, 60_000))).toBeCloseTo(
      (150_000 * 2.5 + 60_000 * 0.25) / 1e6,
      9,
    );
  });
});
