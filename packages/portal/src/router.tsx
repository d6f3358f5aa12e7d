/**
 * A small History-API router: the path names a {@link Route}; links and `navigate` push a new
 * history entry; the server answers index.html for every such path (portal.routes.ts).
 */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'login' }
  | { readonly page: 'cases' }
  | { readonly page: 'case'; readonly id: string }
  | { readonly page: 'contacts' }
  | { readonly page: 'contact'; readonly id: string }
  | { readonly page: 'graph'; readonly id?: string }
  | { readonly page: 'inbox' }
  | { readonly page: 'audit' }
  | { readonly page: 'users' }
  | { readonly page: 'api-keys' }
  | { readonly page: 'account' }
  | { readonly page: 'declarations' }
  | { readonly page: 'declaration'; readonly id: string }
  | { readonly page: 'checkpoint' }
  | { readonly page: 'partners' }
  | { readonly page: 'dashboard' }
  | { readonly page: 'province'; readonly code: string }
  | { readonly page: 'reports' }
  | { readonly page: 'imports' }
  | { readonly page: 'not-found' };

/** The route of a path. */
export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length > 2) return { page: 'not-found' };
  switch (first) {
    case undefined:
      return { page: 'cases' };
    case 'login':
      return { page: 'login' };
    case 'cases':
      return second ? { page: 'case', id: second } : { page: 'cases' };
    case 'contacts':
      return second ? { page: 'contact', id: second } : { page: 'contacts' };
    case 'graph':
      return second ? { page: 'graph', id: second } : { page: 'graph' };
    case 'declarations':
      return second ? { page: 'declaration', id: second } : { page: 'declarations' };
    case 'checkpoint':
    case 'partners':
      return second ? { page: 'not-found' } : { page: first };
    case 'dashboard':
      return second ? { page: 'province', code: second } : { page: 'dashboard' };
    case 'reports':
    case 'imports':
      return second ? { page: 'not-found' } : { page: first };
    case 'inbox':
    case 'audit':
    case 'users':
    case 'api-keys':
    case 'account':
      return second ? { page: 'not-found' } : { page: first };
    default:
      return { page: 'not-found' };
  }
}

/** The path of a route. */
export function routePath(route: Route): string {
  switch (route.page) {
    case 'case':
      return `/cases/${encodeURIComponent(route.id)}`;
    case 'contact':
      return `/contacts/${encodeURIComponent(route.id)}`;
    case 'graph':
      return route.id ? `/graph/${encodeURIComponent(route.id)}` : '/graph';
    case 'declaration':
      return `/declarations/${encodeURIComponent(route.id)}`;
    case 'province':
      return `/dashboard/${encodeURIComponent(route.code)}`;
    case 'not-found':
      return '/';
    default:
      return `/${route.page}`;
  }
}

const listeners = new Set<() => void>();
let focusRequested = false;

/**
 * Whether the last navigation was the user's (a link, a form): the app then moves focus to the
 * page content. Redirects (`replace`) leave focus where it is. Reading it clears it.
 */
export function takeFocusRequest(): boolean {
  const requested = focusRequested;
  focusRequested = false;
  return requested;
}

/** Goes to `path` (with its query), adding a history entry unless `replace`. */
export function navigate(path: string, replace = false): void {
  if (path === `${location.pathname}${location.search}`) return;
  focusRequested = !replace;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

/** The current location, re-rendering on navigation and back/forward. */
export function useLocation(): { pathname: string; search: string } {
  const [where, setWhere] = useState(() => ({ pathname: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setWhere({ pathname: location.pathname, search: location.search });
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return where;
}

/** An in-app link: a real `<a href>` (open in new tab works) that navigates without reloading. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { readonly href: string }) {
  const { onClick, href, ...rest } = props;
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(href);
  };
  // A real link: Enter activates it through the same click event.
  return <a {...rest} href={href} onClick={click} />;
}
