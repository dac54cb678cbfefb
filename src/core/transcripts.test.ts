import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DirEntry } from '../runtime/tmux/tmux-host.js';
import type { TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { Placement } from './placement.js';
import { TranscriptService } from './transcripts.js';

const fixture = (provider: string, name: string): string =>
  readFileSync(
    join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'session-logs', provider, name),
    'utf8',
  );

/** A host's files as a placement sees them (this machine's or an SSH host's: the same seam). */
function hostWith(files: Record<string, string>): { place: Placement; reads: string[] } {
  const reads: string[] = [];
  const notHere = (): never => {
    throw new Error('not used by transcripts');
  };
  const place: Placement = {
    host: 'build-1',
    tmpDir: '/tmp/cao',
    apiUrl: 'http://127.0.0.1:9889',
    baseEnv: {},
    home: '/home/dev',
    isRoot: false,
    rootOnlyDir: undefined,
    findBinary: notHere,
    realDirectory: notHere,
    writeFile: notHere,
    removeTerminalFiles: notHere,
    readFile: async (path, maxBytes) => {
      reads.push(path);
      const text = files[path];
      return text === undefined ? undefined : text.slice(0, maxBytes);
    },
    listDir: async (dir): Promise<DirEntry[]> =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
        .map((p) => ({ name: p.slice(dir.length + 1), size: 1, mtimeMs: Date.now() })),
  };
  return { place, reads };
}

const service = (place: Placement): TranscriptService =>
  new TranscriptService({ placement: async () => place } as unknown as CoreDeps);

const terminal = (over: Partial<TerminalRecord>): TerminalRecord =>
  ({
    id: 'ab12cd34',
    sessionName: 'cao-u',
    provider: 'kimi_cli',
    agentProfile: 'developer',
    workingDirectory: '/home/dev/proj',
    host: 'build-1',
    conversationId: null,
    createdAt: new Date(1796491839000).toISOString(),
    lastActive: new Date(1796491839000).toISOString(),
    ...over,
  }) as TerminalRecord;

describe('TranscriptService on a host', () => {
  it("finds a Kimi terminal's log through Kimi's index there, and never gives one log to two terminals", async () => {
    const wire = fixture('kimi_cli', 'fence-after-tool.jsonl');
    const index = fixture('kimi_cli', 'session_index.jsonl');
    const dir = /"sessionDir":"([^"]+)"/.exec(index)![1]!;
    const { place, reads } = hostWith({
      '/home/dev/.kimi-code/session_index.jsonl': index,
      [`${dir}/agents/main/wire.jsonl`]: wire,
    });
    const s = service(place);
    const first = await s.read(terminal({}));
    expect(first?.path).toBe(`${dir}/agents/main/wire.jsonl`);
    expect(first?.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(first?.lastAnswer).toContain('```ts');
    expect(reads).toContain('/home/dev/.kimi-code/session_index.jsonl');
    // a second Kimi terminal in the same folder: the only conversation there is taken
    expect(await s.read(terminal({ id: 'ef56ab78' }))).toBeUndefined();
  });

  it('finds a Copilot log by the session id cao gave the CLI, none without one', async () => {
    const { place } = hostWith({
      '/home/dev/.copilot/session-state/0a0b/events.jsonl': fixture(
        'copilot_cli',
        'fence-after-tool.jsonl',
      ),
    });
    const s = service(place);
    const log = await s.read(terminal({ provider: 'copilot_cli', conversationId: '0a0b' }));
    expect(log?.replies).toHaveLength(2);
    expect(await s.read(terminal({ id: 'x1', provider: 'copilot_cli' }))).toBeUndefined();
  });
});
