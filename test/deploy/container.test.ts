/**
 * The container image: built from the Dockerfile with buildah
 * (deploy/container/build.sh), then run with podman (runc; the image's root
 * filesystem under chroot only where podman cannot start a container),
 * pushed to and pulled from with skopeo, and stopped (deploy/container/smoke.sh).
 * Skipped, with a reason in the report, only when buildah is not installed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';

const haveBuildah = spawnSync('buildah', ['--version']).status === 0;
const image = `localhost/berth:test-${process.pid}`;

test('the image builds with buildah, runs, serves skopeo and stops cleanly', {
  skip: haveBuildah ? false : 'buildah is not installed (apt-get install buildah)',
  timeout: 15 * 60_000,
}, () => {
  try {
    execFileSync('deploy/container/build.sh', [image], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, SKIP_WEB_BUILD: '1' },
    });
    const out = execFileSync('deploy/container/smoke.sh', [image], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    assert.match(out, /\nok\n$/);
    // With runc installed (.ci/run installs it), the image runs as a real container, not the chroot fallback.
    if (spawnSync('runc', ['--version']).status === 0) assert.match(out, /\nmode=podman\n/);
    const size = Number(/size_bytes=(\d+)/.exec(out)?.[1]);
    console.log(`image size ${(size / 1e6).toFixed(1)} MB`);
    assert.ok(size < 200e6, `image is ${size} bytes, goal < 200 MB`);
  } finally {
    spawnSync('buildah', ['rmi', image], { stdio: 'ignore' });
  }
});
