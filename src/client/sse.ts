/** A minimal Server-Sent Events reader over fetch, for `GET /events`. */
import type { CaoClient } from './api.js';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface EventStream {
  /** Resolves when the stream is connected (the server's `hello` arrived). */
  ready: Promise<void>;
  close(): void;
}

/** Opens `/events` and calls `onEvent` for each event until `close()` or the stream ends. */
export function openEventStream(
  client: CaoClient,
  query: Record<string, string | undefined>,
  onEvent: (e: SseEvent) => void,
  onEnd: (err?: unknown) => void = () => {},
): EventStream {
  const abort = new AbortController();
  let resolveReady: () => void = () => {};
  let rejectReady: (e: unknown) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  void (async () => {
    try {
      const res = await client.fetch(client.url('/events', query), {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) throw new Error(`event stream failed: HTTP ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const e: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') e.event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'id') e.id = value;
          }
          if (data.length === 0 && e.event === 'message') continue;
          e.data = data.join('\n');
          if (e.event === 'hello') resolveReady();
          onEvent(e);
        }
      }
      onEnd();
    } catch (err) {
      rejectReady(err);
      onEnd(abort.signal.aborted ? undefined : err);
    }
  })();
  return { ready, close: () => abort.abort() };
}
