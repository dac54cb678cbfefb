import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HomeOverlay } from '../providers/provider.js';
import { syncOverlayOn, type ShellResult } from '../runtime/ssh/home-overlay-script.js';
import { remoteCommand } from '../runtime/ssh/ssh-args.js';
import { readLocalFile } from '../runtime/tmux/tmux-host.js';
import { syncHomeOverlay } from './home-overlay.js';

let root: string;
let source: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cao-overlay-'));
  source = join(root, 'user', '.kimi-code');
  dir = join(root, 'cao', 'tmp', 'kimi-code-home');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const overlay = (): HomeOverlay => ({
  source,
  dir,
  ensureDirs: ['sessions'],
  ensureFiles: ['index.jsonl'],
  replace: { 'mcp.json': (existing) => `${existing ?? 'none'}+cao` },
});
/** Sets a file's times `seconds` into the past (file times are what tell later writes). */
const ageBy = (path: string, seconds: number): void => {
  const t = Date.now() / 1000 - seconds;
  utimesSync(path, t, t);
};
const isLinkTo = (path: string, target: string): boolean =>
  lstatSync(path).isSymbolicLink() && readlinkSync(path) === target;

/** Command words run here as ssh runs them on a host: one quoted line for a shell there. */
const runHere = (words: readonly string[], input?: string): Promise<ShellResult> =>
  new Promise((resolve) => {
    const child = spawn('sh', ['-c', remoteCommand(words)]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ stdout, stderr, status: status ?? 1 }));
    child.stdin.end(input ?? '');
  });

// the same behaviour on this machine (node:fs) and on a remote host (the constant shell scripts
// that ssh runs there, run here with sh)
const ways: [string, (o: HomeOverlay) => Promise<void>][] = [
  ['on this machine', async (o) => syncHomeOverlay(o)],
  [
    "on a host, with the host's shell",
    (o) => syncOverlayOn(runHere, async (path) => readLocalFile(path), o, 'test-host'),
  ],
];

describe.each(ways)('syncHomeOverlay %s', (_, sync) => {
  it("links every entry of the user's home and writes the replaced ones privately", async () => {
    mkdirSync(join(source, 'credentials'), { recursive: true });
    writeFileSync(join(source, 'config.toml'), 'model = "k2"\n');
    writeFileSync(join(source, 'mcp.json'), 'USER');
    await sync(overlay());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['credentials', 'config.toml', 'sessions'])
      expect(isLinkTo(join(dir, name), join(source, name))).toBe(true);
    expect(statSync(join(source, 'sessions')).isDirectory()).toBe(true);
    expect(readFileSync(join(source, 'index.jsonl'), 'utf8')).toBe('');
    expect(isLinkTo(join(dir, 'index.jsonl'), join(source, 'index.jsonl'))).toBe(true);
    expect(lstatSync(join(dir, 'mcp.json')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'mcp.json'), 'utf8')).toBe('USER+cao');
    expect(statSync(join(dir, 'mcp.json')).mode & 0o777).toBe(0o600);
    // the user's own file is untouched
    expect(readFileSync(join(source, 'mcp.json'), 'utf8')).toBe('USER');
  });

  it('makes a missing home and writes the replaced entry from nothing', async () => {
    await sync(overlay());
    expect(readFileSync(join(dir, 'mcp.json'), 'utf8')).toBe('none+cao');
  });

  it("gives back to the user's home what the CLI wrote in place of a link", async () => {
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'workspaces.json'), 'USER');
    writeFileSync(join(source, 'index.jsonl'), 'L1\n');
    await sync(overlay());
    // the CLI's atomic write replaces the link with a file; a new entry lands in the stand-in
    writeFileSync(join(dir, 'workspaces.json.new'), 'CLI');
    renameSync(join(dir, 'workspaces.json.new'), join(dir, 'workspaces.json'));
    ageBy(join(source, 'workspaces.json'), 60);
    writeFileSync(join(dir, 'device_id'), 'ID');
    mkdirSync(join(dir, 'blobs'));
    writeFileSync(join(dir, 'blobs', 'a'), 'A');
    await sync(overlay());
    // the CLI's later write replaces the user's older file (a login made inside an agent is
    // kept, as when the CLI runs in the user's home); what the home lacks moves there
    expect(isLinkTo(join(dir, 'workspaces.json'), join(source, 'workspaces.json'))).toBe(true);
    expect(readFileSync(join(source, 'workspaces.json'), 'utf8')).toBe('CLI');
    expect(readFileSync(join(source, 'device_id'), 'utf8')).toBe('ID');
    expect(isLinkTo(join(dir, 'device_id'), join(source, 'device_id'))).toBe(true);
    expect(readFileSync(join(source, 'blobs', 'a'), 'utf8')).toBe('A');
    // a file made only when missing is never emptied
    expect(readFileSync(join(source, 'index.jsonl'), 'utf8')).toBe('L1\n');
  });

  it("keeps the user's file when it changed after the CLI's write, and never replaces the user's link", async () => {
    mkdirSync(join(root, 'dotfiles'), { recursive: true });
    writeFileSync(join(root, 'dotfiles', 'config.toml'), 'DOTFILE');
    mkdirSync(source, { recursive: true });
    symlinkSync(join(root, 'dotfiles', 'config.toml'), join(source, 'config.toml'));
    writeFileSync(join(source, 'credentials.json'), 'USER-OLD');
    await sync(overlay());
    for (const name of ['config.toml', 'credentials.json']) {
      rmSync(join(dir, name));
      writeFileSync(join(dir, name), 'CLI');
      ageBy(join(dir, name), 60);
    }
    writeFileSync(join(source, 'credentials.json'), 'USER-NEW');
    await sync(overlay());
    expect(readFileSync(join(source, 'credentials.json'), 'utf8')).toBe('USER-NEW');
    expect(isLinkTo(join(dir, 'credentials.json'), join(source, 'credentials.json'))).toBe(true);
    // the user's link to their dotfile stays a link, to the file they keep
    expect(isLinkTo(join(source, 'config.toml'), join(root, 'dotfiles', 'config.toml'))).toBe(true);
    expect(readFileSync(join(root, 'dotfiles', 'config.toml'), 'utf8')).toBe('DOTFILE');
    expect(isLinkTo(join(dir, 'config.toml'), join(source, 'config.toml'))).toBe(true);
  });

  it('never deletes a folder the CLI made, drops links to removed entries, skips writes in flight', async () => {
    mkdirSync(join(source, 'cache'), { recursive: true });
    writeFileSync(join(source, 'old'), 'x');
    await sync(overlay());
    rmSync(join(dir, 'cache'));
    mkdirSync(join(dir, 'cache'));
    writeFileSync(join(dir, 'cache', 'kept'), 'K');
    rmSync(join(source, 'old'));
    writeFileSync(join(dir, 'config.toml.tmp.123.ab12cd34'), 'half');
    writeFileSync(join(dir, 'rc.json.4567.tmp'), 'half');
    await sync(overlay());
    expect(readFileSync(join(dir, 'cache', 'kept'), 'utf8')).toBe('K');
    expect(() => lstatSync(join(dir, 'old'))).toThrow();
    expect(readFileSync(join(dir, 'config.toml.tmp.123.ab12cd34'), 'utf8')).toBe('half');
    expect(readFileSync(join(dir, 'rc.json.4567.tmp'), 'utf8')).toBe('half');
    expect(() => lstatSync(join(source, 'rc.json.4567.tmp'))).toThrow();
  });

  it('links names with spaces, dashes, quotes and dots, and leaves nothing else behind', async () => {
    mkdirSync(source, { recursive: true });
    const odd = ['a b', '-n', "it's", '.hidden', '..dots', 'x$(id)'];
    for (const n of odd) writeFileSync(join(source, n), n);
    await sync(overlay());
    for (const n of odd) expect(isLinkTo(join(dir, n), join(source, n))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...odd, 'index.jsonl', 'mcp.json', 'sessions'].sort());
  });
});
