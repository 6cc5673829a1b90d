/**
 * An interim outbound address rule with the shape of issue 14's
 * `OutboundPolicy` (src/core/outbound.ts), used until that lands: refuses
 * loopback, link-local, metadata and unspecified addresses (literal or
 * resolved) unless a CIDR in `allow` covers them. Wiring prefers the core
 * policy once it exists; this file can then go.
 */
import { promises as dns, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './client.ts';

const refused = new BlockList();
refused.addSubnet('127.0.0.0', 8, 'ipv4');
refused.addSubnet('169.254.0.0', 16, 'ipv4');
refused.addSubnet('0.0.0.0', 8, 'ipv4');
refused.addAddress('100.100.100.200', 'ipv4');
refused.addAddress('::1', 'ipv6');
refused.addAddress('::', 'ipv6');
refused.addSubnet('fe80::', 10, 'ipv6');
refused.addAddress('fd00:ec2::254', 'ipv6');

class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

export function interimAddressPolicy(allow: readonly string[]): AddressPolicy {
  const allowed = new BlockList();
  for (const entry of allow) {
    const [addr, bits] = entry.trim().split('/');
    if (!addr) continue;
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(addr)) continue;
    if (bits === undefined) allowed.addAddress(addr, family);
    else allowed.addSubnet(addr, Number(bits), family);
  }
  const check = (address: string, host: string) => {
    const mapped = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(mapped) === 6 ? 'ipv6' : 'ipv4';
    if (refused.check(mapped, family) && !allowed.check(mapped, family))
      throw new RefusedAddressError(
        `outbound connections to ${host} (${address}) are refused: loopback, link-local and metadata addresses need BERTH_OUTBOUND_ALLOW`,
      );
  };
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      try {
        for (const a of addresses) check(a.address, hostname);
      } catch (e) {
        return callback(e as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: unknown) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`) as NodeJS.ErrnoException, '', 0);
      callback(null, first.address, first.family);
    });
  };
  return {
    lookup,
    async assertAllowed(target: string | URL) {
      const url = typeof target === 'string' ? new URL(target) : target;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) return check(host, host);
      let addresses: { address: string }[];
      try {
        addresses = await dns.lookup(host, { all: true });
      } catch {
        return; // unresolvable: the connection attempt reports it
      }
      for (const a of addresses) check(a.address, host);
    },
  };
}
