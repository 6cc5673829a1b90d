/**
 * The two details of Go's encoders that kubectl's output depends on, so our
 * pull secrets are byte-for-byte what `kubectl create secret … -o yaml|json`
 * prints:
 * - encoding/json escapes <, >, & and U+2028/U+2029 (HTML-safe), which
 *   JSON.stringify does not;
 * - sigs.k8s.io/yaml (go-yaml v2) double-quotes a string that would read back
 *   as another type (bool, null, int, float, timestamp).
 */

/** A JSON string literal as Go's encoding/json writes it. */
export function goJsonString(value: string): string {
  // Go writes invalid UTF-16 (lone surrogates) as U+FFFD; a UTF-8 round trip does the same.
  const wellFormed = Buffer.from(value, 'utf8').toString('utf8');
  return JSON.stringify(wellFormed).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `JSON.stringify(value)` with Go's string escaping, no indentation. */
export function goJsonCompact(value: unknown): string {
  if (typeof value === 'string') return goJsonString(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goJsonCompact).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${goJsonString(k)}:${goJsonCompact(v)}`).join(',')}}`;
}

/** Indented like Go's json.MarshalIndent(v, "", "    ") (kubectl -o json). */
export function goJsonIndent(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return goJsonCompact(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + goJsonIndent(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${goJsonString(k)}: ${goJsonIndent(v, inner)}`).join(',\n')}\n${indent}}`;
}

// go-yaml v2 reserved words (its resolve table), compared exactly.
const YAML_WORDS = new Set(
  ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']
    .concat(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~', ''])
    .concat([
      '.inf',
      '.Inf',
      '.INF',
      '+.inf',
      '+.Inf',
      '+.INF',
      '-.inf',
      '-.Inf',
      '-.INF',
      '.nan',
      '.NaN',
      '.NAN',
      '<<',
    ]),
);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * True when go-yaml v2 would resolve the plain scalar `s` to something other
 * than a string, and so quotes it. Covers the characters of Kubernetes object
 * names (letters, digits, '-', '.', '_').
 */
export function yamlNeedsQuotes(s: string): boolean {
  if (YAML_WORDS.has(s)) return true;
  const first = s[0] ?? '';
  if (!/[-+.0-9]/.test(first)) return false; // only these start numbers and timestamps
  if (isYamlDate(s)) return true;
  const plain = s.replace(/_/g, '');
  if (isGoInteger(plain)) return true;
  if (YAML_FLOAT.test(plain)) return true;
  return false;
}

/** strconv.ParseInt/ParseUint with base 0 on a 64-bit range. */
function isGoInteger(s: string): boolean {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  const body = m[2]!;
  const value = /^0[oO]/.test(body)
    ? BigInt(`0o${body.slice(2)}`)
    : /^0[0-7]+$/.test(body)
      ? BigInt(`0o${body.slice(1)}`)
      : BigInt(body);
  return m[1] === '-' ? value <= 1n << 63n : value <= MAX_UINT64;
}

/** go-yaml v2 reads `2006-1-2` dates (valid calendar days only) as timestamps. */
function isYamlDate(s: string): boolean {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** A YAML scalar for a name-like string, quoted the way kubectl quotes it. */
export function yamlScalar(s: string): string {
  return yamlNeedsQuotes(s) ? goJsonString(s) : s;
}
