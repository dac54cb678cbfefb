/** Reading a permission prompt's options off the agent's screen (pure; tested in test/unit). */

const OPTION_RE = /^\s*(?:[❯>›]\s*)?(\d{1,2})[.)]\s+(.+?)\s*$/u;

/**
 * The numbered options of the prompt at the bottom of a screen (`❯ 1. Yes`, `  2. No`): the
 * last run of option lines, read upwards from the end until a line that is not one.
 */
export function promptOptions(screen: string): { key: string; label: string }[] {
  const lines = screen.split('\n').slice(-40);
  const out: { key: string; label: string }[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    const m = OPTION_RE.exec(line);
    if (m?.[1] && m[2]) {
      if (!out.some((o) => o.key === m[1])) out.unshift({ key: m[1], label: m[2] });
    } else if (out.length > 0 && line.trim() !== '') break;
  }
  return out;
}
