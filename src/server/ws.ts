/**
 * `WS /terminals/{id}/ws`: a terminal's live screen, for the dashboard (the frame protocol of
 * the original CAO, reference §3.2).
 *
 * - server → client: binary frames of terminal bytes. The first frame is a snapshot that
 *   redraws the screen (`runtime/pane-stream.ts`: it opens with `OSC 7719;cols;rows BEL`, the
 *   pane's size); then the program's output as it is written.
 * - client → server: text frames of JSON, `{"type":"input","data":"…"}` (bytes typed on the
 *   terminal) and `{"type":"resize","rows":R,"cols":C}` (resizes the agent's tmux window while
 *   it has viewers: when the last one leaves, the window gets its own size back).
 * - close codes: 4004 no such terminal (or it is not running), 4403 Origin not allowed, 4003 a
 *   message that is not one of the two above, 1000 the terminal went away, 1013 the viewer
 *   reads too slowly.
 * - who: the owner (token or dashboard cookie) views and types; a viewer only views (its input
 *   and resize frames are dropped); without a credential the upgrade is refused (401, auth.ts).
 *
 * The Host/Origin middleware (`security.ts`) has already answered 403 to a foreign Host or a
 * foreign Origin before the upgrade. A WebSocket is held to a stricter rule on top: only a
 * page of cao-server itself (same origin) or an origin named in CAO_CORS_ORIGINS may type into
 * an agent; the default dev-server origins that may call the JSON API may not.
 */
import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import { WebSocketServer } from 'ws';
import { errorMessage } from '../lib/errors.js';
import type { AppDeps } from './deps.js';
import { principalOf } from './auth.js';
import { socketOriginAllowed } from './security.js';

export const CLOSE_NO_TERMINAL = 4004;
export const CLOSE_ORIGIN = 4403;
export const CLOSE_BAD_MESSAGE = 4003;

/** Largest client message accepted (a big paste); the WebSocket layer refuses larger frames. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Bytes queued for a viewer after which it is dropped (it can reconnect for a fresh view). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const SIZE_LIMITS = { cols: [10, 1000], rows: [3, 500] } as const;

/** The WebSocket server cao-server hands to `serve({ websocket })`. */
export function createSocketServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
}

type ClientMessage =
  { type: 'input'; data: string } | { type: 'resize'; rows: number; cols: number };

/** Parses one client frame; undefined when it is not a valid message. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o['type'] === 'input' && typeof o['data'] === 'string') {
    return { type: 'input', data: o['data'] };
  }
  if (o['type'] === 'resize') {
    const rows = o['rows'];
    const cols = o['cols'];
    const ok = (v: unknown, [lo, hi]: readonly [number, number]): v is number =>
      typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
    if (ok(rows, SIZE_LIMITS.rows) && ok(cols, SIZE_LIMITS.cols))
      return { type: 'resize', rows, cols };
  }
  return undefined;
}

export function terminalSocketRoutes(deps: AppDeps) {
  const { terminals } = deps.core;
  const log = deps.log;
  return new Hono().get('/terminals/:id/ws', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(
        { detail: 'This endpoint speaks WebSocket only (Upgrade: websocket).', code: 'UPGRADE' },
        426,
      );
    }
    const id = c.req.param('id');
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    const originOk = socketOriginAllowed(deps.security, c.req.header('origin'), host);
    const running = originOk && (await terminals.isRunning(id));
    // a viewer watches; only the owner types into an agent or resizes its window
    const readOnly = principalOf(c)?.role === 'viewer';
    let stop: (() => void) | undefined;
    let closed = false;
    let writes: Promise<void> = Promise.resolve();
    return upgradeWebSocket(c, {
      onOpen(_evt, ws) {
        if (!originOk) return ws.close(CLOSE_ORIGIN, 'Origin not allowed');
        if (!running) return ws.close(CLOSE_NO_TERMINAL, `Terminal ${id} not found`);
        // typing and resizing wait until this socket is a viewer of the pane: a resize lasts
        // while the pane has viewers, and the runtime puts the window back when the last leaves
        writes = terminals
          .stream(id, {
            data(chunk) {
              if (closed) return;
              const raw = ws.raw as { bufferedAmount?: number } | undefined;
              if ((raw?.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) {
                closed = true;
                stop?.();
                ws.close(1013, 'viewer too slow; reconnect');
                return;
              }
              ws.send(toArrayBuffer(chunk));
            },
            end(reason) {
              if (closed) return;
              closed = true;
              ws.close(1000, reason.slice(0, 120));
            },
          })
          .then((s) => {
            if (closed) s();
            else stop = s;
          })
          .catch((e: unknown) => {
            if (closed) return;
            closed = true;
            ws.close(CLOSE_NO_TERMINAL, `Terminal ${id}: ${errorMessage(e)}`.slice(0, 120));
          });
      },
      onMessage(evt, ws) {
        if (closed || !running) return;
        const data: unknown = (evt as { data: unknown }).data;
        const msg = typeof data === 'string' ? parseClientMessage(data) : undefined;
        if (!msg) {
          closed = true;
          stop?.();
          ws.close(CLOSE_BAD_MESSAGE, 'expected {"type":"input"|"resize",…}');
          return;
        }
        if (readOnly) return;
        // one after another, in the order typed
        writes = writes
          .then(() => {
            if (closed) return; // a resize for a viewer that left would outlive it
            return msg.type === 'input'
              ? terminals.write(id, Buffer.from(msg.data, 'utf8'))
              : terminals.resize(id, msg.cols, msg.rows);
          })
          .catch((e: unknown) => {
            log.debug('terminal socket message failed', { terminal: id, error: errorMessage(e) });
          });
      },
      onClose() {
        closed = true;
        stop?.();
      },
      onError(_evt, ws: WSContext) {
        closed = true;
        stop?.();
        ws.close(1011, 'error');
      },
    });
  });
}

function toArrayBuffer(chunk: Uint8Array): ArrayBuffer {
  return chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
}
