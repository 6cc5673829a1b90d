/**
 * docs/config.md, generated from the configuration schema
 * (src/server/config-schema.ts). `npm run config-docs` rewrites it;
 * test/config-docs.test.ts fails when it is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { choicesOf, settings, typeOf } from '../src/server/config-schema.ts';

export const CONFIG_DOCS_FILE = fileURLToPath(new URL('../docs/config.md', import.meta.url));

const cell = (value: string) => value.replace(/\|/g, '\\|');

export function configDocs(): string {
  const rows = settings().map((s) => {
    const choices = choicesOf(s);
    const type = choices ? choices.map((c) => `\`${c}\``).join(' / ') : typeOf(s);
    const fallback = s.schema.default === undefined ? '—' : `\`${JSON.stringify(s.schema.default)}\``;
    const env = s.schema.env ? `\`${s.schema.env}\`` : '';
    const secret = s.schema.secret ? ' (secret: masked by `config show`)' : '';
    return `| \`${s.key}\` | ${type} | ${fallback} | ${env} | ${cell(s.schema.description)}${secret} |`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/server/config-schema.ts by scripts/config-docs.ts: do not edit. -->',
    '',
    'Settings come from the built-in defaults, then a YAML file (`--config`, `BERTH_CONFIG`, or `./berth.yaml`',
    'when present), then the `BERTH_*` variables, then command-line flags. Anything unknown or mistyped stops the',
    'start with a message naming the key. `berth config check` says whether the configuration is valid (and what',
    'is wrong, with its key); `berth config show` prints the effective configuration, secrets masked.',
    '',
    'In YAML, a key `a.b.c` is written as nested mappings:',
    '',
    '```yaml',
    'server:',
    '  port: 5000',
    '```',
    '',
    '| key | type | default | environment | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    if ((await readFile(CONFIG_DOCS_FILE, 'utf8').catch(() => '')) !== configDocs()) {
      console.error(`${CONFIG_DOCS_FILE} is stale: run npm run config-docs`);
      process.exit(1);
    }
  } else {
    await writeFile(CONFIG_DOCS_FILE, configDocs());
    console.log(`wrote ${CONFIG_DOCS_FILE}`);
  }
}
