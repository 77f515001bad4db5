import { useEffect, useState } from 'react';

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

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}
