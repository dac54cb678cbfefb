/**
 * "Needs you" in the browser: the tab title counts the agents waiting for an answer ("(2 asking)
 * cao dashboard": short enough to read on a narrow tab; the badges keep the status words),
 * and, once the user opts in with the button, a browser notification says when an agent asks.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from './api';
import { terminalLabel } from './ui';

const TITLE = 'cao dashboard';

/** The ids of the terminals waiting for an answer. */
export function askingIds(sessions: readonly Session[]): string[] {
  return sessions.flatMap((s) =>
    s.terminals.filter((t) => t.status === 'waiting_user_answer').map((t) => t.id),
  );
}

export function titleFor(asking: number): string {
  return asking > 0 ? `(${asking} asking) ${TITLE}` : TITLE;
}

/** Keeps the tab title current and notifies (when allowed) about each new question. */
export function useAsking(sessions: readonly Session[]): void {
  const seen = useRef<Set<string>>(new Set());
  const ids = askingIds(sessions);
  const key = ids.join(',');
  useEffect(() => {
    document.title = titleFor(ids.length);
    const allowed = 'Notification' in window && Notification.permission === 'granted';
    for (const id of ids) {
      if (seen.current.has(id)) continue;
      seen.current.add(id);
      const t = sessions.flatMap((s) => s.terminals).find((x) => x.id === id);
      if (allowed && t) {
        new Notification(`cao: ${terminalLabel(t)} asks`, {
          body: `${t.question?.text ?? 'An agent waits for your answer.'} (${t.session_name})`,
          tag: `cao-asking-${id}`,
        });
      }
    }
    for (const id of [...seen.current]) if (!ids.includes(id)) seen.current.delete(id);
  }, [key]);
}

/** The opt-in button for browser notifications (hidden once decided or where unsupported). */
export function NotifyButton() {
  const supported = typeof window !== 'undefined' && 'Notification' in window;
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  if (!supported || permission !== 'default') return null;
  return (
    <button
      type="button"
      class="button small"
      data-testid="notify"
      title="A browser notification when an agent asks a question"
      onClick={() => {
        void Notification.requestPermission().then(setPermission);
      }}
    >
      Notify me
    </button>
  );
}
