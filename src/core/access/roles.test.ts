/** The role × permission matrix, every cell asserted against Harbor's meaning. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MATRIX,
  PERMISSIONS,
  type Permission,
  type ProjectRole,
  ROLE_IDS,
  ROLES,
  roleAllows,
  roleById,
} from './roles.ts';

// Columns: pull push delete-artifact delete-repository list-members manage-members manage-robots
//          change-settings read-audit-log
const EXPECTED = `
projectAdmin  Y Y Y Y Y Y Y Y Y
maintainer    Y Y Y Y Y N Y N Y
developer     Y Y N N Y N N N Y
guest         Y N N N Y N N N Y
limitedGuest  Y N N N N N N N N
`;

test('every cell of the role × permission matrix', () => {
  const rows = EXPECTED.trim().split('\n');
  assert.equal(rows.length, ROLES.length);
  let cells = 0;
  for (const row of rows) {
    const [role, ...marks] = row.trim().split(/\s+/);
    assert.ok(ROLES.includes(role as ProjectRole), role);
    assert.equal(marks.length, PERMISSIONS.length);
    PERMISSIONS.forEach((perm: Permission, i) => {
      assert.equal(roleAllows(role as ProjectRole, perm), marks[i] === 'Y', `${role} × ${perm}`);
      cells++;
    });
    assert.equal(Object.keys(MATRIX[role as ProjectRole]).length, PERMISSIONS.length);
  }
  assert.equal(cells, 45);
});

test("Harbor's role ids", () => {
  assert.deepEqual(ROLE_IDS, { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 });
  for (const role of ROLES) assert.equal(roleById(ROLE_IDS[role]), role);
  assert.equal(roleById(9), null);
});
