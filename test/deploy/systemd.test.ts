/** deploy/systemd/berth.service passes systemd's own check and runs what the image runs. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/berth.ts';

const unit = join(REPO_ROOT, 'deploy', 'systemd', 'berth.service');
const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd-analyze verify accepts the unit', { skip: analyze ? false : 'systemd-analyze is not installed' }, () => {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', r.stderr);
});

test('the unit reloads with SIGHUP and stops with SIGTERM, as Berth expects', () => {
  const text = readFileSync(unit, 'utf8');
  assert.match(text, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.match(text, /^KillSignal=SIGTERM$/m);
  assert.match(text, /^ExecStart=\/usr\/bin\/node .*\/bin\/berth\.js serve$/m);
});
