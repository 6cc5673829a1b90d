/**
 * The address policy for every connection the server opens on a user's behalf
 * (clusters, upstream registries, replication targets, webhooks): never to a
 * loopback, link-local, cloud-metadata or unspecified address, however it is
 * written (`127.1`, `2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`, `localhost`,
 * a name that resolves there), unless the operator exempts it in
 * `outbound.allow` / BERTH_OUTBOUND_ALLOW (CIDRs or host names).
 *
 * Two checks, because one is not enough: `assertAllowed` before a request
 * (a clear error for the user), and `lookup` at connect time (so a name that
 * resolves elsewhere the second time, DNS rebinding, is refused too). Node
 * does not call `lookup` for IP literals, so callers must run `assertAllowed`
 * on every URL they connect to, redirects included.
 */
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

export class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/** An IPv6 range (IPv4 lives at ::ffff:0:0/96) and why it is refused. */
interface Range {
  base: bigint;
  bits: number;
  why: string;
}

const V4_MAPPED = 0xffff00000000n;

/** Names refused without asking DNS: they mean "this machine" or "the cloud's metadata service". */
const REFUSED_NAMES = ['localhost', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data'];

function v4(cidr: string, why: string): Range {
  const [ip, bits] = cidr.split('/');
  return { base: V4_MAPPED | BigInt(parseIPv4(ip) as number), bits: 96 + Number(bits), why };
}
function v6(cidr: string, why: string): Range {
  const [ip, bits] = cidr.split('/');
  return { base: parseIPv6(ip) as bigint, bits: Number(bits), why };
}

// Built at the first check, not at load: the first IPv6 parse compiles Node's IPv6 pattern (~5 ms of a
// start that makes no outbound connection; bench/FINDINGS.md, "Start-up, session 11").
let refused: Range[] | undefined;
const refusedRanges = (): Range[] =>
  (refused ??= [
    v4('0.0.0.0/8', 'an unspecified ("this host") address'),
    v4('127.0.0.0/8', 'a loopback address'),
    v4('169.254.0.0/16', 'a link-local address (cloud metadata lives there)'),
    v4('100.100.100.200/32', 'a cloud metadata address'),
    v4('192.0.0.192/32', 'a cloud metadata address'),
    v4('224.0.0.0/4', 'a multicast address'),
    v4('255.255.255.255/32', 'the broadcast address'),
    v6('::/128', 'the unspecified address'),
    v6('::1/128', 'a loopback address'),
    v6('fe80::/10', 'a link-local address'),
    v6('fec0::/10', 'a site-local address'),
    v6('fd00:ec2::254/128', 'a cloud metadata address'),
    v6('ff00::/8', 'a multicast address'),
  ]);

export const inRange = (ip: bigint, r: { base: bigint; bits: number }) =>
  ip >> BigInt(128 - r.bits) === r.base >> BigInt(128 - r.bits);

/**
 * IPv4 as inet_aton reads it: one to four parts, each decimal, octal (leading
 * 0) or hex (0x), the last part filling the remaining bytes. Undefined when
 * the text is not such an address.
 */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) value = Number.parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) value = Number(part);
    else return undefined;
    values.push(value);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return undefined;
  return values.reduce((acc, v, i) => acc + v * 256 ** (3 - i), 0) + last;
}

/** IPv6 text (no brackets, no zone) as a 128-bit number; undefined if it is not one. */
export function parseIPv6(text: string): bigint | undefined {
  const address = text.replace(/%.*$/, '');
  if (isIP(address) !== 6) return undefined;
  let body = address;
  const tail: number[] = [];
  const dotted = body.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const n = parseIPv4(dotted[2]) as number;
    tail.push(n >>> 16, n & 0xffff);
    body = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const [head, rest] = body.includes('::') ? body.split('::') : [body, undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = 8 - left.length - right.length - tail.length;
  const all = [...left, ...Array(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Any textual address (IPv4 in any inet_aton form, IPv6 with or without brackets) as 128 bits. */
export function parseAddress(text: string): bigint | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const four = parseIPv4(bare);
  if (four !== undefined) return V4_MAPPED | BigInt(four);
  return parseIPv6(bare);
}

/** The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIPv4(ip: bigint): bigint | undefined {
  const top96 = ip >> 32n;
  const low32 = ip & 0xffffffffn;
  if (top96 === 0xffffn || top96 === 0n || top96 === 0x0064ff9b0000000000000000n) return V4_MAPPED | low32;
  if (ip >> 112n === 0x2002n) return V4_MAPPED | ((ip >> 80n) & 0xffffffffn);
  return undefined;
}

/**
 * A list of addresses and CIDRs (`10.0.0.0/8`, `::1`, `[fd00::]/8`), matched
 * however an address is written (IPv4-mapped IPv6 included). Throws on an
 * entry that is not one, naming it.
 */
export class AddressSet {
  private constructor(private readonly ranges: { base: bigint; bits: number }[]) {}

  static parse(list: string[]): AddressSet {
    const ranges: { base: bigint; bits: number }[] = [];
    for (const raw of list) {
      const entry = raw.trim();
      if (entry === '') continue;
      const [addr, bitsText] = entry.split('/');
      const ip = parseAddress(addr);
      const isFour = parseIPv4(addr) !== undefined;
      const max = isFour ? 32 : 128;
      const bits = bitsText === undefined ? max : Number(bitsText);
      if (ip === undefined || !/^\d*$/.test(bitsText ?? '') || !(bits >= 0 && bits <= max))
        throw new Error(`"${entry}" is not an address or CIDR`);
      ranges.push({ base: ip, bits: isFour ? 96 + bits : bits });
    }
    return new AddressSet(ranges);
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  has(address: string): boolean {
    const ip = parseAddress(address);
    if (ip === undefined) return false;
    const inner = embeddedIPv4(ip);
    return this.ranges.some((r) => inRange(ip, r) || (inner !== undefined && inRange(inner, r)));
  }
}

function formatCidr(base: bigint, bits: number): string {
  return `${base.toString(16)}/${bits}`;
}

/** Resolves a name to all its addresses (dns.lookup by default; tests pass their own). */
export type Resolver = (name: string, family?: number) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (name, family) =>
  dns.lookup(name, { all: true, verbatim: true, ...(family ? { family } : {}) });

export class OutboundPolicy {
  private constructor(
    private readonly allowedRanges: Range[],
    private readonly allowedNames: string[],
    private readonly resolve: Resolver,
  ) {}

  /**
   * `allow`: CIDRs (`127.0.0.0/8`, `::1`, `fd00::/8`) and host names
   * (`registry.test`, or `.test` for every name under it) exempt from the rule.
   */
  static fromList(allow: string[], options: { resolver?: Resolver } = {}): OutboundPolicy {
    const ranges: Range[] = [];
    const names: string[] = [];
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const [addr, bitsText] = entry.split('/');
      const ip = parseAddress(addr);
      if (ip !== undefined) {
        const isFour = parseIPv4(addr.replace(/^\[|\]$/g, '')) !== undefined;
        const max = isFour ? 32 : 128;
        const bits = bitsText === undefined ? max : Number(bitsText);
        if (!Number.isInteger(bits) || bits < 0 || bits > max || !/^\d*$/.test(bitsText ?? ''))
          throw new OutboundRefusedError(`outbound.allow: "${raw.trim()}" has an invalid prefix length`);
        ranges.push({ base: ip, bits: isFour ? 96 + bits : bits, why: 'allowed' });
      } else if (bitsText === undefined && /^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(entry)) {
        names.push(entry.replace(/\.$/, ''));
      } else {
        throw new OutboundRefusedError(`outbound.allow: "${raw.trim()}" is neither a CIDR nor a host name`);
      }
    }
    return new OutboundPolicy(ranges, names, options.resolver ?? systemResolver);
  }

  /** From the comma-separated setting (BERTH_OUTBOUND_ALLOW / outbound.allow). */
  static fromSetting(setting: string | undefined): OutboundPolicy {
    return OutboundPolicy.fromList((setting ?? '').split(','));
  }

  /** Throws OutboundRefusedError when `url` points (or its name resolves) where the server may not connect. */
  async assertAllowed(url: string | URL): Promise<void> {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      throw new OutboundRefusedError(`"${String(url)}" is not a valid URL`);
    }
    const host = parsed.hostname.toLowerCase();
    if (host === '') throw new OutboundRefusedError(`"${parsed.href}" names no host`);
    const name = host.replace(/\.$/, '');
    if (this.nameAllowed(name)) return;
    const literal = parseAddress(name);
    if (literal !== undefined) {
      this.assertAddress(literal, host);
      return;
    }
    this.assertName(name);
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(name);
    } catch {
      // Unresolvable: the connection itself will say so, and `lookup` guards it.
      return;
    }
    for (const a of addresses) this.assertAddress(parseAddress(a.address) as bigint, `${host} (${a.address})`);
  }

  /**
   * A `net.LookupFunction` for `http.Agent`, `https.Agent` or undici's
   * `connect`: resolves like dns.lookup and fails the connection with
   * OutboundRefusedError when any address is refused.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const opts: LookupOptions = typeof options === 'object' && options !== null ? options : {};
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const done = callback as (err: Error | null, address?: string | LookupAddress[], family?: number) => void;
    try {
      if (!this.nameAllowed(name)) this.assertName(name);
    } catch (err) {
      process.nextTick(() => done(err as Error));
      return;
    }
    this.resolve(hostname, typeof opts.family === 'number' ? opts.family : undefined).then(
      (list) => {
        if (!this.nameAllowed(name)) {
          try {
            for (const a of list) this.assertAddress(parseAddress(a.address) as bigint, `${hostname} (${a.address})`);
          } catch (refused) {
            return done(refused as Error);
          }
        }
        if (opts.all) return done(null, list);
        if (list.length === 0)
          return done(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
        done(null, list[0].address, list[0].family);
      },
      (err: Error) => done(err),
    );
  };

  /** The reason `address` is refused, or undefined when the server may connect to it. */
  refusal(address: string): string | undefined {
    const ip = parseAddress(address);
    if (ip === undefined) return undefined;
    try {
      this.assertAddress(ip, address);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  private nameAllowed(name: string): boolean {
    return this.allowedNames.some((n) => (n.startsWith('.') ? name.endsWith(n) || name === n.slice(1) : name === n));
  }

  private assertName(name: string): void {
    if (REFUSED_NAMES.includes(name) || name.endsWith('.localhost'))
      throw new OutboundRefusedError(
        `connections to ${name} are refused: it names this machine or a cloud metadata service (allow it with BERTH_OUTBOUND_ALLOW)`,
      );
  }

  private assertAddress(ip: bigint, shown: string): void {
    const inner = embeddedIPv4(ip);
    const candidates = inner !== undefined && inner !== ip ? [ip, inner] : [ip];
    for (const candidate of candidates) {
      const range = refusedRanges().find((r) => inRange(candidate, r));
      if (!range) continue;
      if (this.allowedRanges.some((a) => inRange(ip, a) || inRange(candidate, a))) return;
      throw new OutboundRefusedError(
        `connections to ${shown} are refused: it is ${range.why} (allow it with BERTH_OUTBOUND_ALLOW)`,
      );
    }
  }

  /** For logs and diagnostics. */
  describe(): string {
    return [...this.allowedRanges.map((r) => formatCidr(r.base, r.bits)), ...this.allowedNames].join(',');
  }
}
