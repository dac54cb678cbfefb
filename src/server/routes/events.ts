/**
 * `GET /events`: the live event stream (Server-Sent Events) of status changes, terminals
 * coming and going, and message delivery states. Filters: `terminal_id`, `session`, `types`
 * (comma-separated event types).
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { StampedEvent } from '../../core/events.js';
import type { AppDeps } from '../deps.js';

const HEARTBEAT_MS = 15_000;

export function eventRoutes(deps: AppDeps) {
  return new Hono().get('/events', (c) => {
    const terminalId = c.req.query('terminal_id');
    const session = c.req.query('session');
    const types = c.req.query('types')?.split(',').filter(Boolean);
    const wanted = (e: StampedEvent): boolean => {
      if (types && !types.includes(e.type)) return false;
      if (terminalId) {
        const ids = [
          'terminal_id' in e ? e.terminal_id : undefined,
          'receiver_id' in e ? e.receiver_id : undefined,
          'sender_id' in e ? e.sender_id : undefined,
        ];
        if (!ids.includes(terminalId)) return false;
      }
      if (session && (!('session' in e) || e.session !== session)) return false;
      return true;
    };
    return streamSSE(c, async (stream) => {
      const queue: StampedEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = deps.core.subscribe((e) => {
        if (!wanted(e)) return;
        queue.push(e);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        await stream.writeSSE({
          event: 'hello',
          data: JSON.stringify({ service: 'cli-agent-orchestrator' }),
        });
        while (open) {
          const e = queue.shift();
          if (e) {
            await stream.writeSSE({ event: e.type, id: String(e.seq), data: JSON.stringify(e) });
            continue;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, HEARTBEAT_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (open && queue.length === 0) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
