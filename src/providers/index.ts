/**
 * The provider registry. Adding a provider = one file + one line here; the `satisfies` makes a
 * listed id without an implementation a type error.
 */
import { CaoError } from '../lib/errors.js';
import { claudeCode } from './claude-code.js';
import type { Provider } from './provider.js';

export const PROVIDER_IDS = ['claude_code'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const providers = {
  claude_code: claudeCode,
} satisfies Record<ProviderId, Provider>;

/** The provider used when neither the caller nor the profile names one. */
export const DEFAULT_PROVIDER: ProviderId = 'claude_code';

export const isProviderId = (s: string): s is ProviderId =>
  (PROVIDER_IDS as readonly string[]).includes(s);

/** Looks a provider up by id; INVALID_INPUT naming the known ones when it does not exist. */
export function getProvider(id: string): Provider {
  if (!isProviderId(id)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Unknown provider '${id}'. Known providers: ${PROVIDER_IDS.join(', ')}.`,
    );
  }
  return providers[id];
}
