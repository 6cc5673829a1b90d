import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { haveKubectl, KUBECTL, kubectl } from '../../../test/kube/kubectl.ts';
import { yamlNeedsQuotes } from './go-encoding.ts';
import {
  containerSnippetYaml,
  defaultPullPolicy,
  dockerConfigJson,
  PULL_POLICIES,
  type PullSecretInput,
  pullSecretJson,
  pullSecretYaml,
} from './pullsecret.ts';

const KUBECTL_CASES: Array<[string, PullSecretInput]> = [
  [
    'https with email',
    {
      name: 'regcred',
      namespace: 'team-a',
      server: 'https://reg.example.com',
      username: 'alice',
      password: 's3cret',
      email: 'alice@example.com',
    },
  ],
  [
    'https without email',
    { name: 'regcred', namespace: 'team-a', server: 'https://reg.example.com', username: 'alice', password: 's3cret' },
  ],
  [
    'http with port',
    {
      name: 'berth-internal',
      namespace: 'default',
      server: 'http://10.0.0.5:8080',
      username: 'robot$ci+pull',
      password: 'tok',
    },
  ],
  [
    'password with JSON and HTML specials',
    {
      name: 'specials',
      namespace: 'ns1',
      server: 'https://reg.example.com:8443',
      username: 'bob',
      password: `p@ss"w\\ord<>&'$\`!#%{}[]=:;,/?~ `,
    },
  ],
  [
    'control characters in password',
    {
      name: 'ctl',
      namespace: 'ns1',
      server: 'https://r.example',
      username: 'u',
      password: 'tab\there\nnewline\rcr\bbs\fff\u0001\u001f\u007f',
    },
  ],
  [
    'unicode everywhere',
    {
      name: 'unicode',
      namespace: 'ns-u',
      server: 'https://регистр.example',
      username: 'ålice',
      password: 'пароль🔑\u2028\u2029é',
      email: 'ålice@exämple.com',
    },
  ],
  [
    'harbor robot with path-like server',
    {
      name: 'harbor.robot',
      namespace: 'prod',
      server: 'https://harbor.example.com/v2/',
      username: 'robot$project+ci',
      password: 'eyJhbGciOi.J9x_-',
      email: 'ci@example.com',
    },
  ],
  // go-yaml wraps long strings only at spaces; base64 has none, however long.
  [
    'long token password',
    { name: 'long', namespace: 'ns1', server: 'https://r.example', username: 'u', password: 'tok '.repeat(500) },
  ],
  ['no namespace', { name: 'plain', server: 'https://index.docker.io/v1/', username: 'me', password: 'pw' }],
];

describe('pull secret matches kubectl byte for byte', { skip: haveKubectl ? false : `${KUBECTL} not found` }, () => {
  for (const [label, input] of KUBECTL_CASES) {
    it(`${label}: -o yaml`, () => {
      assert.equal(pullSecretYaml(input), kubectl(input, 'yaml'));
    });
    it(`${label}: -o json`, () => {
      assert.equal(pullSecretJson(input), kubectl(input, 'json'));
    });
  }

  it('quotes names exactly where kubectl does', () => {
    const names = [
      '123',
      'y',
      'yes',
      'on',
      'off',
      'no',
      'n',
      'true',
      'false',
      'null',
      '1e3',
      '0x1f',
      '1.5',
      '0o17',
      '0o8',
    ]
      .concat(['1-2', '0b101', '0b2', '1.0e5', '12.3.4', '0123', '089', '1e-3', '1.e3', 'inf', 'nan', '0.5e'])
      .concat(['2024-01-01', '2024-02-30', '2024-02-29', '2023-02-29', '2024-1-5', '0x', '99999999999999999999'])
      .concat(['0xffffffffffffffffff', '18446744073709551615', '12e5', '1e', 'abc', 'a.b', '0', '1e3.5']);
    for (const name of names) {
      // The same word as namespace too, where it is a valid label (no dots).
      const namespace = name.includes('.') ? 'ns' : name;
      const input = { name, namespace, server: 'https://r', username: 'u', password: 'p' };
      assert.equal(pullSecretYaml(input), kubectl(input, 'yaml'), name);
    }
  });
});

describe('pull secret content', () => {
  it('stores the docker config kubelet reads', () => {
    const input = { name: 'x', namespace: 'n', server: 'https://reg.example.com', username: 'u', password: 'p<w>' };
    const secret = JSON.parse(pullSecretJson(input));
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
    assert.deepEqual(config, {
      auths: { 'https://reg.example.com': { username: 'u', password: 'p<w>', auth: 'dTpwPHc+' } },
    });
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.match(dockerConfigJson(input), /p\\u003cw\\u003e/);
  });

  it('YAML and JSON describe the same object', () => {
    const input = {
      name: '2024-01-01',
      namespace: 'yes',
      server: 'http://r:80',
      username: 'u',
      password: 'p',
      email: 'e@x',
    };
    const fromYaml = parseYaml(pullSecretYaml(input));
    const fromJson = JSON.parse(pullSecretJson(input));
    assert.deepEqual(fromYaml, fromJson);
  });

  it('refuses invalid names, namespaces and empty credentials', () => {
    const ok = { name: 'x', namespace: 'n', server: 'https://r', username: 'u', password: 'p' };
    assert.throws(() => pullSecretYaml({ ...ok, name: 'Bad_Name' }), /DNS-1123 subdomain/);
    assert.throws(() => pullSecretYaml({ ...ok, namespace: 'a.b' }), /DNS-1123 label/);
    assert.throws(() => pullSecretJson({ ...ok, password: '' }), /password is required/);
  });

  it('knows go-yaml reserved words are quoted and ordinary names are not', () => {
    assert.ok(yamlNeedsQuotes('yes'));
    assert.ok(!yamlNeedsQuotes('regcred'));
  });
});

describe('container snippet', () => {
  it("defaults imagePullPolicy by Kubernetes' rule: Always for :latest or untagged, else IfNotPresent", () => {
    const cases: [string, string][] = [
      ['reg.example.com/team/app', 'Always'],
      ['reg.example.com/team/app:latest', 'Always'],
      ['reg.example.com:5000/team/app', 'Always'],
      ['reg.example.com:5000/team/app:latest', 'Always'],
      ['nginx', 'Always'],
      ['reg.example.com/team/app:1.0', 'IfNotPresent'],
      ['reg.example.com:5000/team/app:v2', 'IfNotPresent'],
      [`reg.example.com/team/app@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
      [`reg.example.com/team/app:latest@sha256:${'a'.repeat(64)}`, 'Always'],
      [`reg.example.com/team/app:1.0@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    ];
    for (const [image, policy] of cases) assert.equal(defaultPullPolicy(image), policy, image);
  });

  for (const policy of Object.keys(PULL_POLICIES) as Array<keyof typeof PULL_POLICIES>) {
    it(`renders ${policy} with its explanation`, () => {
      const text = containerSnippetYaml({ secretName: 'regcred', image: 'reg.example.com/team/app:1.2', policy });
      const doc = parseYaml(text);
      assert.deepEqual(doc.spec.imagePullSecrets, [{ name: 'regcred' }]);
      assert.equal(doc.spec.containers[0].imagePullPolicy, policy);
      assert.equal(doc.spec.containers[0].image, 'reg.example.com/team/app:1.2');
      assert.ok(text.includes(`# ${policy}: ${PULL_POLICIES[policy]}`));
    });
  }

  it('refuses an unknown policy', () => {
    assert.throws(
      () => containerSnippetYaml({ secretName: 'x', image: 'a', policy: 'Sometimes' as 'Always' }),
      /IfNotPresent, Always, Never/,
    );
  });

  it('each explanation is one line', () => {
    for (const text of Object.values(PULL_POLICIES)) assert.ok(!text.includes('\n') && text.length > 20);
  });
});
