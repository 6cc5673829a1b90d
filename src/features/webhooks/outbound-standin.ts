/**
 * Stand-in for issue 14's OutboundPolicy (src/core/outbound.ts) until that
 * lands on this branch: refuses loopback, link-local, metadata and
 * unspecified literal addresses and names resolving there, unless allowed by
 * CIDR in BERTH_OUTBOUND_ALLOW. Replaced by the real policy when merged.
 */

import { lookup as cbLookup } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { OutboundGuard } from './sender.ts';

class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

export function outboundStandin(allowSetting: string | undefined): OutboundGuard {
  const refused = new BlockList();
  refused.addSubnet('127.0.0.0', 8, 'ipv4');
  refused.addSubnet('169.254.0.0', 16, 'ipv4');
  refused.addSubnet('0.0.0.0', 8, 'ipv4');
  refused.addAddress('::1', 'ipv6');
  refused.addAddress('::', 'ipv6');
  refused.addSubnet('fe80::', 10, 'ipv6');
  const allowed = new BlockList();
  for (const raw of (allowSetting ?? '').split(',')) {
    const [addr, bits] = raw.trim().split('/');
    if (!addr || !isIP(addr)) continue;
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(addr, bits ? Number(bits) : family === 'ipv6' ? 128 : 32, family);
  }
  const check = (address: string, what: string) => {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (refused.check(address, family) && !allowed.check(address, family))
      throw new OutboundRefusedError(
        `${what} is a loopback, link-local, metadata or unspecified address; list it in BERTH_OUTBOUND_ALLOW to allow it`,
      );
  };
  const lookup: LookupFunction = (hostname, options, callback) => {
    cbLookup(hostname, { ...(options as object), all: true }, (err, addresses) => {
      const done = callback as (e: Error | null, a?: unknown, f?: number) => void;
      if (err) return done(err);
      const list = addresses as unknown as { address: string; family: number }[];
      try {
        for (const a of list) check(a.address, `${hostname} (${a.address})`);
      } catch (e) {
        return done(e as Error);
      }
      if ((options as { all?: boolean }).all) return done(null, list);
      return done(null, list[0]?.address, list[0]?.family);
    });
  };
  return {
    lookup,
    async assertAllowed(url) {
      const host = new URL(String(url)).hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) return check(host, host);
      try {
        for (const a of await dnsLookup(host, { all: true })) check(a.address, `${host} (${a.address})`);
      } catch (err) {
        if ((err as Error).name === 'OutboundRefusedError') throw err;
      }
    },
  };
}
