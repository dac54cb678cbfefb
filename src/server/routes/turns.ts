/**
 * Talking to an agent, one turn at a time (core/turns.ts): send a message and get its turn,
 * then wait for the turn's outcome or look at it. The server decides whether the agent can
 * take a message and when its turn is over; clients only ask.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import { body, p, query } from '../params.js';

const MAX_WAIT_S = 24 * 3600;

const message = {
  message: p.message(),
  mode: p.oneOf(['now', 'queue']).optional(),
  sender_id: p.optText(),
};
const awaitParams = z.object({
  turn_id: p.int(1, Number.MAX_SAFE_INTEGER).optional(),
  message_id: p.int(1, Number.MAX_SAFE_INTEGER).optional(),
  timeout: p.int(1, MAX_WAIT_S).optional(),
});

function turnId(raw: string): number {
  const turn = Number(raw);
  if (!Number.isSafeInteger(turn) || turn < 1)
    throw new CaoError(
      'UNPROCESSABLE',
      `Invalid turn id '${raw}': a turn id is a positive integer.`,
    );
  return turn;
}

export function turnRoutes(deps: AppDeps) {
  const { turns, sessions } = deps.core;
  return new Hono()
    .post('/terminals/:id/messages', body(z.object(message)), async (c) => {
      const v = c.req.valid('json');
      const started = await turns.send(c.req.param('id'), v.message, {
        mode: v.mode ?? 'now',
        senderId: v.sender_id,
      });
      return c.json(started, 201);
    })
    .post(
      '/sessions/:name/messages',
      body(z.object({ ...message, terminal_id: p.optText() })),
      async (c) => {
        const v = c.req.valid('json');
        const target = await sessions.terminal(c.req.param('name'), v.terminal_id);
        const started = await turns.send(target.id, v.message, {
          mode: v.mode ?? 'now',
          senderId: v.sender_id,
        });
        return c.json(started, 201);
      },
    )
    .get(
      '/terminals/:id/turns/:turn',
      query(z.object({ wait: p.int(0, MAX_WAIT_S).optional() })),
      async (c) => {
        const id = c.req.param('id');
        const turn = turnId(c.req.param('turn'));
        const wait = c.req.valid('query').wait;
        if (wait) await turns.await(id, turn, wait * 1000);
        return c.json(await turns.get(id, turn));
      },
    )
    .post('/terminals/:id/await', body(awaitParams), async (c) => {
      const v = c.req.valid('json');
      const turn = v.turn_id ?? v.message_id;
      if (turn === undefined)
        throw new CaoError(
          'UNPROCESSABLE',
          "Missing required parameter 'turn_id' (or 'message_id').",
        );
      return c.json(await turns.await(c.req.param('id'), turn, (v.timeout ?? 600) * 1000));
    });
}
