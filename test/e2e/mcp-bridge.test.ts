/**
 * The stdio bridge, `cao-mcp-server`, as a CLI that cannot reach an HTTP MCP server runs it
 * (Kiro CLI and Q CLI by default, every CLI with CAO_MCP_TRANSPORT=stdio): the built
 * executable, spawned by the official SDK's stdio client, against a real cao-server. It lists
 * cao's tools, acts as the terminal whose token file cao gave it (a message it sends is that
 * terminal's), and without a token answers every request with an error that says why.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/shared.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();
const BRIDGE = join(PROJECT_ROOT, 'dist', 'bin', 'cao-mcp-server.js');

const PLAIN = `---
name: plain
description: A profile without MCP servers.
---
You receive messages.
`;

describe.skipIf(skipReason !== '')(
  e2eTitle('cao-mcp-server: the stdio bridge to /mcp', skipReason),
  () => {
    let s: Stack;
    let terminal = '';
    const clients: Client[] = [];

    /** The bridge as an agent CLI starts it: `node cao-mcp-server.js`, env only. */
    async function bridge(tokenFile: string | undefined): Promise<Client> {
      const env: Record<string, string> = {
        PATH: process.env['PATH'] ?? '',
        HOME: s.home,
        CAO_HOME_DIR: s.caoHome,
        CAO_API_URL: s.apiUrl,
        ...(tokenFile ? { CAO_TERMINAL_TOKEN_FILE: tokenFile } : {}),
      };
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BRIDGE],
        env,
        stderr: 'pipe',
      });
      const client = new Client({ name: 'bridge-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return client;
    }

    beforeAll(async () => {
      s = await startStack({
        clis: [],
        env: {
          PATH: `${join(PROJECT_ROOT, 'test', 'fake-agent', 'bin')}:${process.env['PATH'] ?? ''}`,
          IS_SANDBOX: '1',
        },
      });
    });

    afterAll(async () => {
      for (const c of clients) await c.close().catch(() => {});
      await s?.stop();
    });

    it('lists cao tools and sends a message as the terminal whose token it was given', async () => {
      writeFileSync(join(s.root, 'plain.md'), PLAIN);
      expect(
        (await s.cao(['install', join(s.root, 'plain.md'), '--provider', 'claude_code'])).code,
      ).toBe(0);
      const launch = async (session: string): Promise<string> => {
        const r = await s.cao(
          [
            'launch',
            '--agents',
            'plain',
            '--headless',
            '--yolo',
            '--session-name',
            session,
            '--working-directory',
            s.work,
            '--provider',
            'claude_code',
            '--json',
          ],
          { timeoutMs: 120_000 },
        );
        expect(r.code, r.stderr).toBe(0);
        return (JSON.parse(r.stdout) as { id: string }).id;
      };
      terminal = await launch('bridge1');
      const other = await launch('bridge2');

      const client = await bridge(join(s.caoHome, 'tmp', `${terminal}.token`));
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'answer_user_prompt',
        'assign',
        'delete_terminal',
        'handoff',
        'send_message',
      ]);
      // the server knows the caller: a message to itself is refused as such
      const self = await client.callTool({
        name: 'send_message',
        arguments: { receiver_id: terminal, message: 'BRIDGE-NOTE to myself' },
      });
      expect(JSON.stringify(self.content)).toContain('Cannot send a message to yourself');
      const sent = await client.callTool({
        name: 'send_message',
        arguments: { receiver_id: other, message: 'BRIDGE-NOTE from bridge1' },
      });
      expect(sent.isError, JSON.stringify(sent.content)).toBeFalsy();
      const inbox = await s.api<{ sender_id: string; receiver_id: string; message: string }[]>(
        'GET',
        `/inbox/messages?sender_id=${terminal}`,
      );
      expect(inbox.status).toBe(200);
      expect(inbox.body.map((m) => [m.receiver_id, m.message])).toEqual([
        [other, 'BRIDGE-NOTE from bridge1'],
      ]);
    });

    it('without a token it answers with why and what to do', async () => {
      // the SDK client's first request (initialize) gets the bridge's error
      const e = await bridge(undefined).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(e?.message).toMatch(
        /no terminal token \(CAO_TERMINAL_TOKEN_FILE=unset\).*started by cao/,
      );
    });
  },
);
