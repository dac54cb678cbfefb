/**
 * The text cao types for a message (its body and a footer saying who sent it, with the marker
 * `cao message N`), and how that message is recognised again on a screen or in a CLI's
 * session log. Pure.
 */
import { isTerminalId } from '../lib/names.js';
import { showsText } from '../providers/screen.js';
import type { MessageRecord } from '../store/store.js';

/** The marker that identifies a delivered message on the agent's screen. */
export const markerOf = (id: number): string => `cao message ${id}`;

/** The text the agent receives: the body and a footer saying who sent it and how to reply. */
export function composeMessage(m: MessageRecord, injectSender = true, prefix = ''): string {
  if (m.orchestrationType === 'user') return m.message;
  const marker = markerOf(m.id);
  const from = isTerminalId(m.senderId) ? `terminal ${m.senderId}` : m.senderId;
  let footer: string;
  if (!injectSender) footer = `[${marker}]`;
  else if (m.orchestrationType === 'assign') {
    footer = `[Assigned by ${from} (${marker}). When done, send results back to ${from} using send_message.]`;
  } else if (m.orchestrationType === 'handoff') {
    footer = `[Handoff from ${from} (${marker}). Do the task and give your result as your answer; it is returned to ${from} automatically.]`;
  } else if (m.orchestrationType === 'notice') footer = `[Notice from cao (${marker}).]`;
  else if (isTerminalId(m.senderId)) {
    footer = `[Message from ${from} (${marker}). Use the send_message MCP tool for any follow-up work.]`;
  } else footer = `[Message from ${from} (${marker}).]`;
  return `${prefix}${m.message.trimEnd()}\n\n${footer}`;
}

const normalize = (s: string): string => s.replace(/\s+/g, ' ');

/** How many times message `id`'s marker appears in `text` (line breaks and indents ignored). */
export function markerCount(text: string, id: number): number {
  return normalize(text).match(new RegExp(`${markerOf(id)}\\b`, 'g'))?.length ?? 0;
}

/**
 * Whether message `m` shows in `text`: by its marker, or for a `user` message (pasted as it
 * is, without a marker) by its own text.
 */
export function showsMessage(
  text: string,
  m: Pick<MessageRecord, 'id' | 'message' | 'orchestrationType'>,
): boolean {
  return m.orchestrationType === 'user' ? showsText(text, m.message) : markerCount(text, m.id) > 0;
}

/** The id in the first message marker (`cao message N`) of `text`, if any. */
export function firstMarkerId(text: string): number | undefined {
  const m = /\bcao\s+message\s+(\d+)\b/.exec(text);
  return m ? Number(m[1]) : undefined;
}
