/**
 * The inbox, backed by the delivery ledger: `POST/GET /terminals/{id}/inbox/messages`,
 * `GET /inbox/messages` (any filter) and `GET /inbox/messages/{id}` (one message's state).
 */
import { Hono } from 'hono';
import { messageView } from '../../core/views.js';
import { CaoError } from '../../lib/errors.js';
import { assertTerminalId } from '../../lib/names.js';
import type { MessageState } from '../../store/store.js';
import type { AppDeps } from '../deps.js';
import { intParam, param, requiredMessageParam, requiredParam } from '../params.js';

const STATES: readonly string[] = ['pending', 'submitting', 'delivered', 'failed'];

/** `status=pending` also matches messages being submitted (both are "not yet delivered"). */
async function statesParam(c: Parameters<typeof param>[0]): Promise<MessageState[] | undefined> {
  const s = await param(c, 'status');
  if (s === undefined) return undefined;
  if (!STATES.includes(s))
    throw new CaoError('INVALID_INPUT', `status must be one of ${STATES.join(', ')}`);
  return s === 'pending' ? ['pending', 'submitting'] : [s as MessageState];
}

export function inboxRoutes(deps: AppDeps): Hono {
  const { store } = deps.core.deps;
  return new Hono()
    .post('/terminals/:id/inbox/messages', async (c) => {
      const receiver = assertTerminalId(c.req.param('id'));
      const m = await deps.core.ledger.enqueue({
        senderId: await requiredParam(c, 'sender_id'),
        receiverId: receiver,
        message: await requiredMessageParam(c, 'message'),
        orchestrationType: 'send_message',
      });
      const now = await store.getMessage(m.id);
      return c.json({
        success: true,
        message_id: m.id,
        sender_id: m.senderId,
        receiver_id: m.receiverId,
        created_at: m.createdAt,
        status: now?.state ?? m.state,
      });
    })
    .get('/terminals/:id/inbox/messages', async (c) => {
      const receiver = assertTerminalId(c.req.param('id'));
      const states = await statesParam(c);
      const rows = await store.listMessages({
        receiverId: receiver,
        limit: (await intParam(c, 'limit', 1, 100)) ?? 10,
        ...(states ? { states } : {}),
      });
      return c.json(rows.map(messageView));
    })
    .get('/inbox/messages', async (c) => {
      const states = await statesParam(c);
      const sender = await param(c, 'sender_id');
      const receiver = await param(c, 'receiver_id');
      const rows = await store.listMessages({
        ...(sender ? { senderId: sender } : {}),
        ...(receiver ? { receiverId: receiver } : {}),
        ...(states ? { states } : {}),
        limit: (await intParam(c, 'limit', 1, 1000)) ?? 100,
      });
      return c.json(rows.map(messageView));
    })
    .get('/inbox/messages/:mid', async (c) => {
      const id = Number(c.req.param('mid'));
      const m = Number.isInteger(id) ? await store.getMessage(id) : undefined;
      if (!m) throw new CaoError('NOT_FOUND', `Message ${c.req.param('mid')} not found`);
      return c.json(messageView(m));
    });
}
