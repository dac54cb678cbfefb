/**
 * Tells cao-server when the agent's CLI has listed this server's tools: the moment cao's
 * tools are usable, after which a task may be typed into the agent (see launcher.awaitMcp).
 * Implemented by watching the transport: a `tools/list` request, then our reply to it.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

export function onToolsListed(transport: Transport, listed: () => void): void {
  const pending = new Set<string | number>();
  let done = false;
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'tools/list' && 'id' in message)
      pending.add(message.id);
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await send(message, options);
    if (!done && 'id' in message && 'result' in message && pending.has(message.id)) {
      done = true;
      listed();
    }
  };
}
