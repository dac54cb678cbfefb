import { describe, expect, it } from 'vitest';
import { mcpTransport } from './config.js';

describe('mcpTransport (CAO_MCP_TRANSPORT)', () => {
  it('is http unless stdio is asked for', () => {
    expect(mcpTransport({})).toBe('http');
    expect(mcpTransport({ CAO_MCP_TRANSPORT: ' HTTP ' })).toBe('http');
    expect(mcpTransport({ CAO_MCP_TRANSPORT: 'stdio' })).toBe('stdio');
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => mcpTransport({ CAO_MCP_TRANSPORT: 'sse' })).toThrow(
      /CAO_MCP_TRANSPORT='sse' is not a transport: set it to http \(the default\) or stdio/,
    );
  });
});
