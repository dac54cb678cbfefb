/**
 * Turns from a log's messages, for the CLIs whose logs have no turn-end record of their own
 * (Gemini CLI, Qwen Code, OpenCode, Copilot CLI, Kimi Code): each parser says what each
 * message is, this decides the latest turn's prompt, its answer and whether it is still open.
 */
import type { LogSummary } from './log.js';

export type LogMessage =
  /** A message the user (or cao) typed: a new turn. */
  | { kind: 'prompt'; text: string }
  /** The model's text that ends the turn (a reply with no tool calls after it). */
  | { kind: 'answer'; text: string }
  /** The turn ended without an answer (an error, an interrupt). */
  | { kind: 'end' };

export function turnsOf(log: readonly LogMessage[]): Omit<LogSummary, 'replies'> {
  let lastAnswer: string | undefined;
  let lastPrompt: string | undefined;
  let turnOpen = false;
  let answered = false;
  for (const m of log) {
    if (m.kind === 'prompt') {
      lastPrompt = m.text;
      turnOpen = true;
      answered = false;
    } else if (m.kind === 'answer') {
      lastAnswer = m.text;
      turnOpen = false;
      answered = true;
    } else {
      if (turnOpen && !answered) lastAnswer = undefined;
      turnOpen = false;
    }
  }
  return { lastAnswer, turnOpen, lastPrompt };
}
