import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  MCP_SERVER_NODE_FLAGS,
  checkMcpServerNodeFlags,
  mcpServerCommand,
  mcpServerNodeFlags,
} from './self.js';

describe('cao-mcp-server command', () => {
  it('has its flags checked in the background (cao-server does not wait for it)', async () => {
    // first in this file, so nothing has checked them yet: the check runs while this one waits
    let settled = false;
    const checking = checkMcpServerNodeFlags().then(() => (settled = true));
    expect(settled).toBe(false);
    await checking;
    expect(mcpServerNodeFlags()).toEqual(MCP_SERVER_NODE_FLAGS);
  });

  it('runs with flags this Node accepts, silently, and fetch still works', () => {
    const r = spawnSync(
      process.execPath,
      [
        ...MCP_SERVER_NODE_FLAGS,
        '-e',
        "fetch('http://127.0.0.1:1').catch((e) => { console.log(e.message); })",
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('fetch failed');
    expect(r.status).toBe(0);
    expect(mcpServerNodeFlags()).toEqual(MCP_SERVER_NODE_FLAGS);
  });

  it('is this Node with the flags, then the script', () => {
    const c = mcpServerCommand();
    expect(c.command).toBe(process.execPath);
    expect(c.args.slice(0, -1)).toEqual(MCP_SERVER_NODE_FLAGS);
    expect(c.args.at(-1)).toMatch(/bin\/cao-mcp-server\.js$/);
  });
});
