/** The server's batched log destination: nothing logged is lost, whatever way the process ends. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const destination = new URL('../src/server/log-destination.ts', import.meta.url).pathname;

function runLogging(ending: string): string[] {
  const script = `
    import pino from 'pino';
    import { logDestination } from ${JSON.stringify(destination)};
    const log = pino({ base: undefined }, logDestination(1));
    for (let i = 0; i < 3000; i++) log.info({ i, path: '/v2/x/manifests/' + 'é'.repeat(i % 7) });
    ${ending}`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter(Boolean);
}

for (const [how, ending] of [
  ['flushed, then exit()', 'log.flush(); process.exit(0);'],
  ['exit() without a flush', 'process.exit(0);'],
  ['the event loop running out', ''],
]) {
  test(`every line reaches the file, in order: ${how}`, () => {
    const lines = runLogging(ending).map((l) => JSON.parse(l));
    assert.equal(lines.length, 3000);
    assert.deepEqual(
      lines.map((l) => l.i),
      Array.from({ length: 3000 }, (_, i) => i),
    );
    assert.equal(lines[6].path, `/v2/x/manifests/${'é'.repeat(6)}`);
  });
}
