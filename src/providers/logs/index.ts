/** The CLIs whose session logs cao reads, by provider id. */
import { claudeLog } from './claude.js';
import { codexLog } from './codex.js';
import { copilotLog } from './copilot.js';
import { geminiLog } from './gemini.js';
import { kimiLog } from './kimi.js';
import { opencodeLog } from './opencode.js';
import { qwenLog } from './qwen.js';
import type { SessionLog } from './log.js';

const LOGS: Record<string, SessionLog> = {
  claude_code: claudeLog,
  codex: codexLog,
  gemini_cli: geminiLog,
  qwen_cli: qwenLog,
  copilot_cli: copilotLog,
  kimi_cli: kimiLog,
  opencode_cli: opencodeLog,
};

export const sessionLogOf = (provider: string): SessionLog | undefined => LOGS[provider];
