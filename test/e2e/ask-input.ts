/**
 * The question the e2e tests and screen captures make a CLI ask with its own ask-the-user tool
 * (Claude Code's AskUserQuestion, Codex's request_user_input; each takes the fields it knows).
 */
export const ASK_INPUT = {
  questions: [
    {
      id: 'colour',
      header: 'Colour',
      question: 'Which colour should the button be?',
      multiSelect: false,
      options: [
        { label: 'Red', description: 'Warm and loud' },
        { label: 'Blue', description: 'Calm (Recommended)' },
        { label: 'Green', description: 'Natural' },
      ],
    },
  ],
};
