import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareApk, compareDpkg, compareMaven, comparePep440, compareRpm, compareSemver } from './versions.ts';

/** Each list is in ascending order; every pair is checked both ways. */
function ascending(compare: (a: string, b: string) => number, list: string[]) {
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < list.length; j++) {
      const got = Math.sign(compare(list[i], list[j]));
      assert.equal(got, Math.sign(i - j), `${list[i]} vs ${list[j]}: ${got}`);
    }
  }
}

test('dpkg: epochs, tilde, revisions (Debian Policy 5.6.12 and dpkg test cases)', () => {
  ascending(compareDpkg, [
    '1.0~rc1-1',
    '1.0-1',
    '1.0-1+b1',
    '1.0-1.1',
    '1.0a-1',
    '1.0.1-1',
    '1.10-1',
    '1:0.9-1',
    '2:0.1',
  ]);
  ascending(compareDpkg, ['1.2.3~~', '1.2.3~~a', '1.2.3~', '1.2.3', '1.2.3+really1.2.2']);
  assert.equal(compareDpkg('7.88.1-10+deb12u5', '7.88.1-10+deb12u7') < 0, true);
  assert.equal(compareDpkg('0:1.0', '1.0'), 0);
});

test('RPM: rpmvercmp cases (tilde, caret, alpha vs numeric, epochs)', () => {
  ascending(compareRpm, ['1.0~rc1-1', '1.0-1', '1.0^git1-1', '1.0a-1', '1.0.1-1', '1.01.1-1', '2.0-1', '1:0.1-1']);
  assert.equal(compareRpm('1.0010', '1.9') > 0, true);
  assert.equal(compareRpm('1.05', '1.5'), 0);
  assert.equal(compareRpm('2.0a', '2.0.1') < 0, true);
});

test('apk: letters, suffixes, revisions', () => {
  ascending(compareApk, [
    '1.0_alpha1',
    '1.0_beta2',
    '1.0_pre1',
    '1.0_rc1',
    '1.0',
    '1.0-r1',
    '1.0_p1',
    '1.0a',
    '1.0.1',
    '1.2',
    '1.10',
  ]);
  assert.equal(compareApk('3.1.4-r5', '3.1.4-r6') < 0, true);
});

test('semver: prereleases before releases, numeric identifiers compared as numbers', () => {
  ascending(compareSemver, [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.10.0',
    'v2.0.0',
  ]);
});

test('PEP 440: dev, pre, post and epochs', () => {
  ascending(comparePep440, [
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12',
    '1.0b1',
    '1.0rc1',
    '1.0',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.1.dev1',
    '1!0.5',
  ]);
  assert.equal(comparePep440('1.0', '1.0.0'), 0);
});

test('Maven: qualifiers and numbers', () => {
  ascending(compareMaven, [
    '1.0-alpha-1',
    '1.0-beta-1',
    '1.0-milestone-1',
    '1.0-rc-1',
    '1.0-SNAPSHOT',
    '1.0',
    '1.0-sp-1',
    '1.0.1',
    '1.1',
  ]);
  assert.equal(compareMaven('1.0', '1.0.0'), 0);
  assert.equal(compareMaven('2.14.1', '2.17.0') < 0, true);
});
