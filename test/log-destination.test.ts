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

test('infoLines writes the access line pino would write, byte for byte but the time', async () => {
  const pino = (await import('pino')).default;
  const { infoLines } = await import('../src/server/log-destination.ts');
  const viaPino: string[] = [];
  const direct: string[] = [];
  const log = pino(
    { level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (l: string) => void viaPino.push(l) },
  );
  const write = infoLines({ write: (l) => void direct.push(l) }, () => log.isLevelEnabled('info'));
  const samples: Array<Record<string, string | number | boolean>> = [
    { method: 'GET', path: '/v2/t/app/manifests/v1', status: 200, bytes: 1043, ms: 0.12 },
    { method: 'PUT', path: '/v2/a"b\\c/é/\u0001', status: 400, bytes: 0, ms: 12 },
    {
      method: 'GET',
      path: '/x',
      status: 200,
      bytes: -1,
      ms: 3.5,
      aborted: true,
      msg: 'aborted: the client disconnected',
    },
  ];
  for (const fields of samples) {
    log.info(fields);
    write(fields);
  }
  const withoutTime = (l: string) => l.replace(/"time":"[^"]+"/, '"time":"T"');
  assert.deepEqual(direct.map(withoutTime), viaPino.map(withoutTime));
  assert.match(direct[0], /^\{"level":30,"time":"\d{4}-\d\d-\d\dT[\d:.]+Z","method":"GET"/);
  log.level = 'warn';
  write(samples[0]);
  assert.equal(direct.length, 3, 'nothing written below the level');
});
