/**
 * A CLI's stand-in home folder (providers/provider.ts, HomeOverlay) brought up to date on a
 * remote host, as core/home-overlay.ts does on this machine: every entry of the user's home
 * there linked, what the CLI wrote in place of a link given back to the user's home (unless
 * the home's own is newer, a folder or a link), and the replaced files written privately. The scripts are
 * constant; the folders and names are their arguments and a replaced file's content goes on
 * stdin, so no text reaches a shell. Nothing of cao's is installed there.
 */
import { CaoError } from '../../lib/errors.js';
import { absolutePath, plainName } from '../tmux/tmux-host.js';

/** What the remote sync needs: HomeOverlay's shape (structural, runtime imports no provider). */
export interface OverlaySpec {
  source: string;
  dir: string;
  ensureDirs: readonly string[];
  ensureFiles: readonly string[];
  replace: Readonly<Record<string, (existing: string | undefined) => string>>;
}

/**
 * Arguments: SOURCE DIR N dir… M file… then the replaced names. Leaves alone the replaced
 * entries and a CLI's temporary file of an atomic write maybe in flight (`*.tmp`, `*.tmp.*`,
 * `*.tmp-*`). Constant.
 */
const OVERLAY_LINKS = [
  // a link whose entry the user removed goes; a link to elsewhere is not ours to keep
  'if [ -L "$at" ]; then { [ "$(readlink -- "$at")" = "$target" ] && [ -e "$target" ]; } || rm -f -- "$at"; continue; fi',
  // written by the CLI in place of a link: the user's home gets it when it has none of that
  // name, or an older plain file (the later write wins), and otherwise keeps its own (a
  // folder both have is left as it is; the user's own link is never replaced)
  'if [ ! -e "$target" ] && [ ! -L "$target" ]; then mv -- "$at" "$target" 2>/dev/null || :; ' +
    'elif [ -f "$at" ] && [ ! -L "$at" ] && [ -f "$target" ] && [ ! -L "$target" ] && [ "$at" -nt "$target" ]; then mv -f -- "$at" "$target" 2>/dev/null || :; ' +
    'elif [ ! -d "$at" ]; then rm -f -- "$at"; fi',
];

/** One line (ssh sends no newline in a word): statements joined by `;`. Constant. */
export const SYNC_OVERLAY = [
  'umask 077',
  'src=$1; dir=$2; shift 2',
  'mkdir -p -- "$src" || exit 1',
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do mkdir -p -- "$src/$1" || exit 1; shift; n=$((n - 1)); done',
  'n=$1; shift',
  // made when missing, never truncated
  'while [ "$n" -gt 0 ]; do { [ -e "$src/$1" ] || : >> "$src/$1"; } || exit 1; shift; n=$((n - 1)); done',
  '{ mkdir -p -- "$dir" && chmod 700 -- "$dir"; } || exit 1',
  'skipped() { x=$1; shift; case $x in *.tmp|*.tmp.*|*.tmp-*) return 0;; esac; for k in "$@"; do [ "$k" = "$x" ] && return 0; done; return 1; }',
  'for at in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do [ -e "$at" ] || [ -L "$at" ] || continue; ' +
    'name=${at##*/}; skipped "$name" "$@" && continue; target=$src/$name; ' +
    `${OVERLAY_LINKS.join('; ')}; done`,
  'for t in "$src"/* "$src"/.[!.]* "$src"/..?*; do [ -e "$t" ] || [ -L "$t" ] || continue; ' +
    'name=${t##*/}; skipped "$name" "$@" && continue; ' +
    '[ -e "$dir/$name" ] || [ -L "$dir/$name" ] || ln -s -- "$t" "$dir/$name" 2>/dev/null || :; done',
].join('; ');

/** Writes stdin to "$1" (0600) by an atomic rename. Constant. */
export const WRITE_PRIVATE = 'umask 077; t="$1.cao-$$"; cat > "$t" && mv -f -- "$t" "$1"';

/** SYNC_OVERLAY's command words for `o`, each name checked to be a plain one. Pure. */
export function syncOverlayWords(o: OverlaySpec): string[] {
  return [
    'sh',
    '-c',
    SYNC_OVERLAY,
    'sh',
    absolutePath(o.source),
    absolutePath(o.dir),
    String(o.ensureDirs.length),
    ...o.ensureDirs.map(plainName),
    String(o.ensureFiles.length),
    ...o.ensureFiles.map(plainName),
    ...Object.keys(o.replace).map(plainName),
  ];
}

export interface ShellResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Runs command words on the host, `input` on stdin (ssh there; `sh` here in tests). */
export type RunOnHost = (words: readonly string[], input?: string) => Promise<ShellResult>;

/**
 * Brings the stand-in folder up to date on the host `run` reaches, `readFile` reading the
 * user's own files there. `host` names it in errors.
 */
export async function syncOverlayOn(
  run: RunOnHost,
  readFile: (path: string) => Promise<string | undefined>,
  o: OverlaySpec,
  host: string,
): Promise<void> {
  const fail = (what: string, r: ShellResult): CaoError =>
    new CaoError(
      'UNAVAILABLE',
      `Could not ${what} on host ${host}: ${r.stderr.trim() || `status ${r.status}`}. Check that its user may write there.`,
      { details: { host } },
    );
  const r = await run(syncOverlayWords(o));
  if (r.status !== 0) throw fail(`prepare ${o.dir}`, r);
  for (const [name, content] of Object.entries(o.replace)) {
    const existing = await readFile(`${o.source}/${plainName(name)}`);
    const at = `${o.dir}/${name}`;
    const w = await run(['sh', '-c', WRITE_PRIVATE, 'sh', absolutePath(at)], content(existing));
    if (w.status !== 0) throw fail(`write ${at}`, w);
  }
}
