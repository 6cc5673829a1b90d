/**
 * Whether the visitor is a system administrator (auth off counts as one), so
 * pages offer what the server would allow. Asks the session first: an
 * anonymous visitor causes no 401 and no redirect to sign-in.
 */
import { useEffect, useState } from 'react';
import { request, sessionInfo } from '../api.ts';

export function useIsAdmin(): boolean {
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    let current = true;
    void (async () => {
      const session = await sessionInfo().catch(() => null);
      if (session?.auth === 'off') return true;
      if (!session?.signed_in) return false;
      return request<{ sysadmin_flag?: boolean }>('/users/current').then(
        (r) => r.data.sysadmin_flag === true,
        () => false,
      );
    })().then((v) => current && setAdmin(v));
    return () => {
      current = false;
    };
  }, []);
  return admin;
}

/** True for a visitor who is not signed in (auth on): pages hide what needs an account. */
export function useIsVisitor(): boolean {
  const [visitor, setVisitor] = useState(false);
  useEffect(() => {
    let current = true;
    sessionInfo()
      .then((s) => current && setVisitor(s.auth !== 'off' && !s.signed_in))
      .catch(() => {});
    return () => {
      current = false;
    };
  }, []);
  return visitor;
}
