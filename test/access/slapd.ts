/**
 * Debian's slapd for tests: a private config and database in a temp dir, on
 * a free loopback port, with a few people. Needs the apt packages `slapd`
 * and `ldap-utils`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SLAPD = '/usr/sbin/slapd';
export const BASE = 'dc=berth,dc=test';
export const ROOT_DN = `cn=admin,${BASE}`;
export const ROOT_PW = 'rootsecret';

export const available = () => existsSync(SLAPD) && existsSync('/usr/bin/ldapadd');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Slapd {
  url: string;
  stop(): Promise<void>;
}

export async function startSlapd(
  people: { uid: string; password: string; mail: string; cn: string }[],
): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-slapd-'));
  await mkdir(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  await writeFile(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'include /etc/ldap/schema/nis.schema',
      `pidfile ${join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      'maxsize 10485760',
      `suffix "${BASE}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PW}`,
      `directory ${join(dir, 'db')}`,
      'access to attrs=userPassword by self read by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let url = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    const port = await freePort();
    url = `ldap://127.0.0.1:${port}`;
    const c = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr?.on('data', (d) => (stderr += d));
    const up = await waitFor(url, c);
    if (up) child = c;
    else {
      c.kill('SIGKILL');
      if (attempt === 4) throw new Error(`slapd did not start: ${stderr}`);
    }
  }
  const ldif = [
    `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: berth\no: berth`,
    `dn: ou=people,${BASE}\nobjectClass: organizationalUnit\nou: people`,
    ...people.map(
      (p) =>
        `dn: uid=${p.uid},ou=people,${BASE}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.cn}\nsn: ${p.cn}\nmail: ${p.mail}\nuserPassword: ${p.password}`,
    ),
  ].join('\n\n');
  await writeFile(join(dir, 'data.ldif'), `${ldif}\n`);
  await run('ldapadd', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW, '-f', join(dir, 'data.ldif')]);
  return {
    url,
    async stop() {
      child?.kill('SIGTERM');
      await new Promise((res) => (child?.exitCode !== null ? res(null) : child?.once('exit', res)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitFor(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    try {
      await run('ldapsearch', ['-x', '-H', url, '-b', '', '-s', 'base', '-LLL', 'namingContexts']);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}
