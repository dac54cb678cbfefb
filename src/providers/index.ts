/**
 * The provider registry. Adding a provider = one file + one line here; the `satisfies` makes a
 * listed id without an implementation a type error.
 */
import { CaoError } from '../lib/errors.js';
import { claudeCode } from './claude-code.js';
import { copilotCli } from './copilot-cli.js';
import { opencodeCli } from './opencode-cli.js';
import { codex } from './codex.js';
import { kimiCli } from './kimi-cli.js';
import { geminiCli } from './gemini-cli.js';
import { qwenCli } from './qwen-cli.js';
import { kiroCli } from './kiro-cli.js';
import { qCli } from './q-cli.js';
import type { Provider } from './provider.js';

export const PROVIDER_IDS = [
  'claude_code',
  'codex',
  'kimi_cli',
  'opencode_cli',
  'copilot_cli',
  'gemini_cli',
  'qwen_cli',
  'kiro_cli',
  'q_cli',
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const providers = {
  claude_code: claudeCode,
  codex,
  kimi_cli: kimiCli,
  opencode_cli: opencodeCli,
  copilot_cli: copilotCli,
  gemini_cli: geminiCli,
  qwen_cli: qwenCli,
  kiro_cli: kiroCli,
  q_cli: qCli,
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
