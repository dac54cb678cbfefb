/**
 * The provider registry. Adding a provider = one file + one line here; the `satisfies` makes a
 * listed id without an implementation a type error.
 */
import { CaoError } from '../lib/errors.js';
import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import { copilotCli } from './copilot-cli.js';
import { geminiCli } from './gemini-cli.js';
import { kimiCli } from './kimi-cli.js';
import { kiroCli } from './kiro-cli.js';
import { opencodeCli } from './opencode-cli.js';
import type { Provider } from './provider.js';
import { qCli } from './q-cli.js';
import { qwenCli } from './qwen-cli.js';

/** In the skill document's order (kiro_cli, the default, first), then the extras. */
export const PROVIDER_IDS = [
  'kiro_cli',
  'claude_code',
  'codex',
  'gemini_cli',
  'kimi_cli',
  'copilot_cli',
  'opencode_cli',
  'q_cli',
  'qwen_cli',
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const providers = {
  kiro_cli: kiroCli,
  claude_code: claudeCode,
  codex,
  gemini_cli: geminiCli,
  kimi_cli: kimiCli,
  copilot_cli: copilotCli,
  opencode_cli: opencodeCli,
  q_cli: qCli,
  qwen_cli: qwenCli,
} satisfies Record<ProviderId, Provider>;

/** The provider used when neither the caller nor the profile names one. */
export const DEFAULT_PROVIDER: ProviderId = 'kiro_cli';

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
