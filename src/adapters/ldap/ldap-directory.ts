/**
 * LDAP logins (ldapts): bind as the search account, find the one entry whose
 * uid attribute equals the username, then bind as that entry with the given
 * password. Users found this way get a Berth account (source `ldap`) on their
 * first login; their project roles are then managed in Berth.
 */
import type { Client } from 'ldapts';
import type { ExternalDirectory } from '../../core/access/service.ts';

export interface LdapOptions {
  url: string;
  /** Search account; anonymous search when unset. */
  bindDn?: string;
  bindPassword?: string;
  baseDn: string;
  /** Extra filter ANDed with the uid match, e.g. `(objectClass=inetOrgPerson)`. */
  filter?: string;
  /** The attribute holding the login name (default `uid`). */
  uidAttribute?: string;
  timeoutMs?: number;
}

const first = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined ? '' : String(v));

export class LdapDirectory implements ExternalDirectory {
  readonly source = 'ldap' as const;

  constructor(private readonly options: LdapOptions) {}

  /** ldapts is loaded at the first LDAP login, not at every start (start-up time, bench/FINDINGS.md). */
  private static ldapts: Promise<typeof import('ldapts')> | null = null;

  private async client(): Promise<Client> {
    LdapDirectory.ldapts ??= import('ldapts');
    const { Client } = await LdapDirectory.ldapts;
    const timeout = this.options.timeoutMs ?? 5000;
    return new Client({ url: this.options.url, timeout, connectTimeout: timeout });
  }

  async verify(username: string, password: string) {
    // An empty password would be an unauthenticated bind, which LDAP servers accept.
    if (!username || !password) return null;
    const uid = this.options.uidAttribute ?? 'uid';
    const search = await this.client();
    const { EqualityFilter } = await (LdapDirectory.ldapts as Promise<typeof import('ldapts')>);
    let dn: string;
    let entry: Record<string, unknown>;
    try {
      if (this.options.bindDn) await search.bind(this.options.bindDn, this.options.bindPassword ?? '');
      // EqualityFilter escapes the value: no filter injection through the username.
      const match = new EqualityFilter({ attribute: uid, value: username }).toString();
      const filter = this.options.filter ? `(&${this.options.filter}${match})` : match;
      const { searchEntries } = await search.search(this.options.baseDn, {
        scope: 'sub',
        filter,
        attributes: [uid, 'mail', 'cn', 'displayName'],
        sizeLimit: 2,
      });
      if (searchEntries.length !== 1) return null;
      entry = searchEntries[0] as Record<string, unknown>;
      dn = entry.dn as string;
    } finally {
      await search.unbind().catch(() => undefined);
    }
    const user = await this.client();
    try {
      await user.bind(dn, password);
    } catch {
      return null;
    } finally {
      await user.unbind().catch(() => undefined);
    }
    return {
      username: first(entry[uid]) || username,
      email: first(entry.mail),
      realname: first(entry.displayName) || first(entry.cn),
      externalId: dn,
    };
  }
}
