/** A small history-API router: the path and query are the console's state. */
import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('berth:navigate'));
  if (!replace) window.scrollTo(0, 0);
}

const read = () => ({ path: location.pathname, search: new URLSearchParams(location.search) });

export function useLocation(): { path: string; search: URLSearchParams } {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    window.addEventListener('berth:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('berth:navigate', update);
    };
  }, []);
  return loc;
}

/** Replaces some query parameters of the current URL (empty values are removed). */
export function setQuery(changes: Record<string, string | number | undefined>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, true);
}

export function Link(props: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={onClick} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}
