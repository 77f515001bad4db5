import { useEffect, useRef, useState } from 'react';

/** The app's screens, from the address bar (so a reload, a deep link or a shared invite URL lands right). */
export type Route = { name: 'projects' } | { name: 'workspace'; projectId: string } | { name: 'invite'; token: string };

export function parseRoute(pathname: string): Route {
  const project = /^\/projects\/([0-9a-f-]{36})\/?$/i.exec(pathname);
  if (project) return { name: 'workspace', projectId: project[1] as string };
  const invite = /^\/invite\/([^/]+)\/?$/.exec(pathname);
  if (invite) return { name: 'invite', token: decodeURIComponent(invite[1] as string) };
  return { name: 'projects' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'workspace':
      return `/projects/${route.projectId}`;
    case 'invite':
      return `/invite/${encodeURIComponent(route.token)}`;
    case 'projects':
      return '/';
  }
}

const NAVIGATED = 'tandem:navigated';

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const path = pathOf(route);
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/**
 * The route on screen. `mayGo`, when given, is asked before Back or Forward changes the screen: history has
 * already moved by then and cannot be refused, so the screen stays as it is while asked, and on a no the
 * address of the screen still shown is pushed back (the entries after it are lost, as after any navigation).
 */
export function useRoute(mayGo?: (from: Route, to: Route) => Promise<boolean>): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  const shown = useRef(route);
  shown.current = route;
  const ask = useRef(mayGo);
  ask.current = mayGo;
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    const popped = () => {
      const asking = ask.current?.(shown.current, parseRoute(window.location.pathname));
      if (!asking) return update();
      void asking.then((go) => {
        if (go) return update();
        const stay = pathOf(shown.current);
        if (window.location.pathname !== stay) window.history.pushState(null, '', stay);
      });
    };
    window.addEventListener('popstate', popped);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', popped);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}
