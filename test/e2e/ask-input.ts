/**
 * The question the e2e tests and screen captures make a CLI ask with its own ask-the-user tool:
 * Claude Code's and Kimi Code's AskUserQuestion, Codex's request_user_input, Gemini CLI's
 * ask_user, Qwen Code's ask_user_question. Each tool takes its own fields, so ASK_STEP gives
 * each the input its schema accepts (Gemini wants `type`, Qwen refuses any extra property).
 */
import type { ToolStep } from '../fake-model/script.js';

const QUESTION = 'Which colour should the button be?';
const OPTIONS = [
  { label: 'Red', description: 'Warm and loud' },
  { label: 'Blue', description: 'Calm (Recommended)' },
  { label: 'Green', description: 'Natural' },
];

export const ASK_INPUT = {
  questions: [
    {
      id: 'colour',
      header: 'Colour',
      question: QUESTION,
      multiSelect: false,
      // Kimi Code's name for it (the fake model drops the field a tool's schema refuses)
      multi_select: false,
      options: OPTIONS,
    },
  ],
};

/** The tool call that makes any of the CLIs ask ASK_INPUT's question. */
export const ASK_STEP: ToolStep = {
  tool: ['AskUserQuestion', 'request_user_input', 'ask_user', 'ask_user_question'],
  input: ASK_INPUT,
  inputFor: {
    ask_user: {
      questions: [{ header: 'Colour', question: QUESTION, type: 'choice', options: OPTIONS }],
    },
    ask_user_question: {
      questions: [{ header: 'Colour', question: QUESTION, multiSelect: false, options: OPTIONS }],
    },
  },
};
