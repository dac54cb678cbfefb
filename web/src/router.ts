/** Hash routes: `#/`, `#/terminal/{id}`, `#/new`, `#/inbox`, `#/worktrees[/{id}]`, `#/hosts`. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'overview' }
  | { view: 'terminal'; id: string }
  | { view: 'new' }
  | { view: 'inbox' }
  | { view: 'worktrees'; id?: string | undefined }
  | { view: 'hosts' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'terminal' && parts[1] && /^[a-f0-9]{8}$/.test(parts[1])) {
    return { view: 'terminal', id: parts[1] };
  }
  if (parts[0] === 'new') return { view: 'new' };
  if (parts[0] === 'inbox') return { view: 'inbox' };
  if (parts[0] === 'worktrees') {
    const id = parts[1] && /^[a-f0-9]{8}$/.test(parts[1]) ? parts[1] : undefined;
    return { view: 'worktrees', id };
  }
  if (parts[0] === 'hosts') return { view: 'hosts' };
  return { view: 'overview' };
}

export const href = {
  overview: '#/',
  terminal: (id: string) => `#/terminal/${id}`,
  new: '#/new',
  inbox: '#/inbox',
  worktrees: '#/worktrees',
  worktree: (id: string) => `#/worktrees/${id}`,
  hosts: '#/hosts',
};

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    // Effects run after the first paint: a hash that changed between the first render and now
    // fired its hashchange before anyone listened, so read it again once listening.
    on();
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
