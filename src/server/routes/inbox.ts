/**
 * The inbox, backed by the delivery ledger: `POST/GET /terminals/{id}/inbox/messages`,
 * `GET /inbox/messages` (any filter) and `GET /inbox/messages/{id}` (one message's state).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { messageView } from '../../core/views.js';
import { CaoError } from '../../lib/errors.js';
import { assertTerminalId } from '../../lib/names.js';
import type { MessageState, OrchestrationType } from '../../store/store.js';
import type { AppDeps } from '../deps.js';
import { body, p, query } from '../params.js';

const STATES = ['pending', 'submitting', 'delivered', 'failed'] as const;
/** The inbox holds what agents, cao and flows send; what a person types (`cao session send`,
 *  type `user`) is a turn, listed with `orchestration_type=user`. */
const INBOX_TYPES = ['send_message', 'assign', 'handoff', 'notice'] as const;
const TYPES = [...INBOX_TYPES, 'user'] as const;
const types = (t: OrchestrationType | undefined): { types: OrchestrationType[] } => ({
  types: t === undefined ? [...INBOX_TYPES] : [t],
});

/** `status=pending` also matches messages being submitted (both are "not yet delivered"). */
const states = (s: MessageState | undefined): { states?: MessageState[] } =>
  s === undefined ? {} : { states: s === 'pending' ? ['pending', 'submitting'] : [s] };

const post = z.object({ sender_id: p.text(), message: p.message() });
const listOne = z.object({
  status: p.oneOf(STATES).optional(),
  orchestration_type: p.oneOf(TYPES).optional(),
  limit: p.int(1, 100).optional(),
});
const listAll = z.object({
  status: p.oneOf(STATES).optional(),
  orchestration_type: p.oneOf(TYPES).optional(),
  sender_id: p.optText(),
  receiver_id: p.optText(),
  limit: p.int(1, 1000).optional(),
});

export function inboxRoutes(deps: AppDeps) {
  const { ledger } = deps.core;
  return new Hono()
    .post('/terminals/:id/inbox/messages', body(post), async (c) => {
      const v = c.req.valid('json');
      const m = await ledger.enqueue({
        senderId: v.sender_id,
        receiverId: assertTerminalId(c.req.param('id')),
        message: v.message,
        orchestrationType: 'send_message',
      });
      const now = await ledger.get(m.id);
      return c.json({
        success: true,
        message_id: m.id,
        sender_id: m.senderId,
        receiver_id: m.receiverId,
        created_at: m.createdAt,
        status: now?.state ?? m.state,
      });
    })
    .get('/terminals/:id/inbox/messages', query(listOne), async (c) => {
      const v = c.req.valid('query');
      const rows = await ledger.list({
        receiverId: assertTerminalId(c.req.param('id')),
        limit: v.limit ?? 10,
        ...states(v.status),
        ...types(v.orchestration_type),
      });
      return c.json(rows.map(messageView));
    })
    .get('/inbox/messages', query(listAll), async (c) => {
      const v = c.req.valid('query');
      const rows = await ledger.list({
        ...(v.sender_id ? { senderId: v.sender_id } : {}),
        ...(v.receiver_id ? { receiverId: v.receiver_id } : {}),
        ...states(v.status),
        ...types(v.orchestration_type),
        limit: v.limit ?? 100,
      });
      return c.json(rows.map(messageView));
    })
    .get('/inbox/messages/:mid', async (c) => {
      const id = Number(c.req.param('mid'));
      const m = Number.isSafeInteger(id) ? await ledger.get(id) : undefined;
      if (!m) throw new CaoError('NOT_FOUND', `Message ${c.req.param('mid')} not found`);
      return c.json(messageView(m));
    });
}
