import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../store/store.js';
import { composeMessage, drawnTest } from './message-text.js';

const message = (over: Partial<MessageRecord>): MessageRecord =>
  ({
    id: 42,
    senderId: 'ab12cd34',
    receiverId: 'ef56ab78',
    message: 'Please review the parser.',
    orchestrationType: 'send_message',
    ...over,
  }) as MessageRecord;

describe('drawnTest: whether a screen shows the message cao typed', () => {
  it('knows a ledger message by its marker, wrapped or indented, and not by another marker', () => {
    const drawn = drawnTest(composeMessage(message({})));
    expect(
      drawn('> Please review the parser.\n  [Message from terminal ab12cd34 (cao\n  message 42).'),
    ).toBe(true);
    // an earlier message with the same words but another marker
    expect(
      drawn('> Please review the parser.\n  [Message from terminal ab12cd34 (cao message 41).]'),
    ).toBe(false);
  });

  it("knows a user's message (no marker) by its start", () => {
    const drawn = drawnTest('RESUME-ASK: what was the colour?');
    expect(drawn('  > RESUME-ASK: what was the\n    colour?')).toBe(true);
    expect(drawn('  > RESUME-FACT: the secret colour is teal\n  ◆ Noted.')).toBe(false);
  });
});
