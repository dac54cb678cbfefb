/** `--max-cost USD` and `--max-tokens N` (cao launch, cao agent …): numbers, or `none` where a
 *  limit may be removed (`cao agent budget`). The server checks the ranges again. */
import { CaoError } from '../lib/errors.js';

export function limitArg(
  flag: '--max-cost' | '--max-tokens',
  text: string | undefined,
  allowNone = false,
): number | null | undefined {
  if (text === undefined) return undefined;
  if (allowNone && text.trim().toLowerCase() === 'none') return null;
  const n = Number(text);
  const whole = flag === '--max-tokens';
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n)))
    throw new CaoError(
      'INVALID_INPUT',
      `${flag} must be ${whole ? 'a positive whole number of tokens (e.g. 200000)' : 'a positive number of US dollars (e.g. 2.50)'}${allowNone ? ", or 'none' to remove the limit" : ''}, not '${text}'.`,
    );
  return n;
}

/** The request fields of the two flags (left out when not given). */
export function budgetFields(values: { 'max-cost'?: string; 'max-tokens'?: string }): {
  max_cost?: number;
  max_tokens?: number;
} {
  const cost = limitArg('--max-cost', values['max-cost']);
  const tokens = limitArg('--max-tokens', values['max-tokens']);
  return {
    ...(typeof cost === 'number' ? { max_cost: cost } : {}),
    ...(typeof tokens === 'number' ? { max_tokens: tokens } : {}),
  };
}
