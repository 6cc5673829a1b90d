/**
 * Version ordering as each ecosystem defines it: a finding is only as right
 * as the comparison that says "installed < fixed". Each returns <0, 0, >0.
 */

const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

// ------------------------------------------------------------------ dpkg

/** Debian Policy 5.6.12: letters sort before non-letters, `~` before everything, even the end. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function dpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit prefix.
    while ((i < a.length && !/\d/.test(a[i])) || (j < b.length && !/\d/.test(b[j]))) {
      const ac = i < a.length && !/\d/.test(a[i]) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]) ? b[j] : undefined;
      const d = dpkgOrder(ac) - dpkgOrder(bc);
      if (d !== 0) return d;
      if (ac !== undefined) i++;
      if (bc !== undefined) j++;
    }
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i])) an += a[i++];
    while (j < b.length && /\d/.test(b[j])) bn += b[j++];
    const d = cmpDigits(an, bn);
    if (d !== 0) return d;
  }
  return 0;
}

function cmpDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length !== y.length ? cmp(x.length, y.length) : x < y ? -1 : x > y ? 1 : 0;
}

function splitDpkg(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) || 0 : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

export function compareDpkg(a: string, b: string): number {
  const [ea, ua, ra] = splitDpkg(a);
  const [eb, ub, rb] = splitDpkg(b);
  return cmp(ea, eb) || Math.sign(dpkgPart(ua, ub)) || Math.sign(dpkgPart(ra, rb));
}

// ------------------------------------------------------------------ RPM

/** rpmvercmp: alternating alphabetic and numeric segments; `~` sorts before all, `^` after the base. */
function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !/[A-Za-z0-9~^]/.test(a[i])) i++;
    while (j < b.length && !/[A-Za-z0-9~^]/.test(b[j])) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /\d/.test(a[i]);
    const re = numeric ? /\d/ : /[A-Za-z]/;
    let sa = '';
    let sb = '';
    while (i < a.length && re.test(a[i])) sa += a[i++];
    while (j < b.length && re.test(b[j])) sb += b[j++];
    if (sb === '') return numeric ? 1 : -1;
    const d = numeric ? cmpDigits(sa, sb) : sa < sb ? -1 : sa > sb ? 1 : 0;
    if (d !== 0) return d;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function splitRpm(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) || 0 : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

export function compareRpm(a: string, b: string): number {
  const [ea, va, ra] = splitRpm(a);
  const [eb, vb, rb] = splitRpm(b);
  return cmp(ea, eb) || rpmvercmp(va, vb) || (ra && rb ? rpmvercmp(ra, rb) : 0);
}

// ------------------------------------------------------------------ apk

const APK_SUFFIX: Record<string, number> = {
  alpha: 0,
  beta: 1,
  pre: 2,
  rc: 3,
  '': 4,
  cvs: 5,
  svn: 6,
  git: 7,
  hg: 8,
  p: 9,
};

interface ApkVersion {
  numbers: number[];
  letter: string;
  suffixes: [number, number][];
  revision: number;
}

function parseApk(v: string): ApkVersion {
  const m = /^(\d+(?:\.\d+)*)([a-z]?)((?:_[a-z]+\d*)*)(?:-r(\d+))?/.exec(v);
  if (!m) return { numbers: [], letter: '', suffixes: [], revision: 0 };
  const suffixes: [number, number][] = [];
  for (const s of m[3].split('_').filter(Boolean)) {
    const sm = /^([a-z]+)(\d*)$/.exec(s);
    if (sm) suffixes.push([APK_SUFFIX[sm[1]] ?? 4, Number(sm[2] || 0)]);
  }
  return { numbers: m[1].split('.').map(Number), letter: m[2], suffixes, revision: Number(m[4] ?? 0) };
}

export function compareApk(a: string, b: string): number {
  const x = parseApk(a);
  const y = parseApk(b);
  for (let i = 0; i < Math.max(x.numbers.length, y.numbers.length); i++) {
    const d = cmp(x.numbers[i] ?? -1, y.numbers[i] ?? -1);
    if (d) return d;
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const sx = x.suffixes[i] ?? [4, 0];
    const sy = y.suffixes[i] ?? [4, 0];
    const d = cmp(sx[0], sy[0]) || cmp(sx[1], sy[1]);
    if (d) return d;
  }
  return cmp(x.revision, y.revision);
}

// ------------------------------------------------------------------ semver (npm, Go)

function parseSemver(v: string): { core: number[]; pre: string[] } {
  const clean = v.trim().replace(/^v/, '').split('+')[0];
  const dash = clean.indexOf('-');
  const core = (dash >= 0 ? clean.slice(0, dash) : clean).split('.').map((n) => Number(n) || 0);
  while (core.length < 3) core.push(0);
  return { core, pre: dash >= 0 ? clean.slice(dash + 1).split('.') : [] };
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  for (let i = 0; i < 3; i++) {
    const d = cmp(x.core[i], y.core[i]);
    if (d) return d;
  }
  // A release sorts after its pre-releases: 1.0.0-rc.1 < 1.0.0.
  if (!x.pre.length || !y.pre.length) return cmp(y.pre.length, x.pre.length);
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) {
      const d = cmp(Number(p), Number(q));
      if (d) return d;
    } else if (pn !== qn) return pn ? -1 : 1;
    else if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

// ------------------------------------------------------------------ PEP 440

interface Pep440 {
  epoch: number;
  release: number[];
  pre: [number, number] | null;
  post: number | null;
  dev: number | null;
}

function parsePep440(v: string): Pep440 {
  const s = v.trim().toLowerCase().replace(/^v/, '').split('+')[0];
  const m =
    /^(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:(?:-(\d+))|(?:[-_.]?(?:post|rev|r)[-_.]?(\d*)))?(?:[-_.]?dev[-_.]?(\d*))?$/.exec(
      s,
    );
  if (!m)
    return {
      epoch: 0,
      release: s.split('.').map((n) => Number.parseInt(n, 10) || 0),
      pre: null,
      post: null,
      dev: null,
    };
  const preKind = m[3]
    ? ({ a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 } as Record<string, number>)[m[3]]
    : null;
  return {
    epoch: Number(m[1] ?? 0),
    release: m[2].split('.').map(Number),
    pre: preKind === null ? null : [preKind, Number(m[4] || 0)],
    post: m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[6] || 0) : null,
    dev: m[7] !== undefined ? Number(m[7] || 0) : null,
  };
}

export function comparePep440(a: string, b: string): number {
  const x = parsePep440(a);
  const y = parsePep440(b);
  const d0 = cmp(x.epoch, y.epoch);
  if (d0) return d0;
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const d = cmp(x.release[i] ?? 0, y.release[i] ?? 0);
    if (d) return d;
  }
  // A dev release of a final version sorts before its pre-releases: 1.0.dev1 < 1.0a1 < 1.0 < 1.0.post1.
  const preKey = (v: Pep440): [number, number] =>
    v.pre ? v.pre : v.dev !== null && v.post === null ? [-1, 0] : [3, 0];
  const [xp, yp] = [preKey(x), preKey(y)];
  const d1 = cmp(xp[0], yp[0]) || cmp(xp[1], yp[1]);
  if (d1) return d1;
  const d2 = cmp(x.post ?? -1, y.post ?? -1);
  if (d2) return d2;
  return cmp(x.dev ?? Number.POSITIVE_INFINITY, y.dev ?? Number.POSITIVE_INFINITY);
}

// ------------------------------------------------------------------ Maven

const MAVEN_QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];

function mavenItems(v: string): (number | string)[] {
  return v
    .toLowerCase()
    .split(/[.-]|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/)
    .map((t) =>
      /^\d+$/.test(t)
        ? Number(t)
        : ({ a: 'alpha', b: 'beta', m: 'milestone', cr: 'rc', ga: '', final: '', release: '' }[t] ?? t),
    );
}

export function compareMaven(a: string, b: string): number {
  const x = mavenItems(a);
  const y = mavenItems(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? (typeof y[i] === 'number' ? 0 : '');
    const q = y[i] ?? (typeof x[i] === 'number' ? 0 : '');
    if (typeof p === 'number' && typeof q === 'number') {
      const d = cmp(p, q);
      if (d) return d;
    } else if (typeof p === 'number') return 1;
    else if (typeof q === 'number') return -1;
    else if (p !== q) {
      const pi = MAVEN_QUALIFIERS.indexOf(p);
      const qi = MAVEN_QUALIFIERS.indexOf(q);
      if (pi >= 0 && qi >= 0) return cmp(pi, qi);
      if (pi >= 0) return -1;
      if (qi >= 0) return 1;
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

/** The comparison of an OSV ecosystem (its name before any `:` release suffix). */
export function comparatorFor(ecosystem: string): (a: string, b: string) => number {
  const base = ecosystem.split(':')[0];
  switch (base) {
    case 'Debian':
    case 'Ubuntu':
      return compareDpkg;
    case 'Alpine':
      return compareApk;
    case 'Red Hat':
    case 'Rocky Linux':
    case 'AlmaLinux':
    case 'openSUSE':
    case 'SUSE':
      return compareRpm;
    case 'PyPI':
      return comparePep440;
    case 'Maven':
      return compareMaven;
    default:
      return compareSemver;
  }
}
