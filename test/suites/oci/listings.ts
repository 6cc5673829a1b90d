/** tags/list and _catalog, with n/last pagination and Link headers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  configBlob,
  descriptor,
  imageManifest,
  nextLink,
  OCI_CONFIG,
  type RegistryClient,
  repoName,
} from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';

/** Pushes one small manifest under each of `tags`. */
async function tagged(client: RegistryClient, repo: string, tags: string[]): Promise<void> {
  const config = configBlob();
  await client.pushBlob(repo, config);
  const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [] });
  for (const tag of tags) await client.pushManifest(repo, tag, m);
}

/** Follows Link headers from `path`, checking each page; returns the pages. */
async function walk(client: RegistryClient, path: string, key: 'tags' | 'repositories', n: number) {
  const pages: string[][] = [];
  let next: string | null = path;
  while (next) {
    const res = await client.get(next);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const items = (res.json() as Record<string, string[]>)[key];
    pages.push(items);
    next = nextLink(res.headers);
    if (next) {
      assert.equal(items.length, n, 'a page with a next link is full');
      const url = new URL(next, client.base);
      assert.equal(url.searchParams.get('n'), String(n));
      assert.equal(url.searchParams.get('last'), items[items.length - 1]);
    } else {
      assert.ok(items.length <= n);
    }
    assert.ok(pages.length < 1000, 'pagination terminates');
  }
  return pages;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function listingTests(ctx: SuiteContext): void {
  describe('tags/list', () => {
    const tags = ['1.0', '1.1', '2.0', 'Latest', 'a', 'b_c', 'latest', 'v1', 'v2'];

    it('lists every tag in lexical order', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, [...tags].reverse());
      const res = await ctx.client.get(`/v2/${repo}/tags/list`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('link'), null);
      assert.deepEqual(res.json(), { name: repo, tags: [...tags].sort(byteOrder) });
    });

    it('pages with n and last, Link rel="next" on every page but the last', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, tags);
      const pages = await walk(ctx.client, `/v2/${repo}/tags/list?n=2`, 'tags', 2);
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 2, 2, 1],
      );
      assert.deepEqual(pages.flat(), [...tags].sort(byteOrder));
    });

    it('the Link of a page points at the same repository path', async () => {
      const repo = `${repoName('tags')}/sub`;
      await tagged(ctx.client, repo, ['a', 'b', 'c']);
      const res = await ctx.client.get(`/v2/${repo}/tags/list?n=1`);
      const link = nextLink(res.headers);
      assert.ok(link);
      assert.equal(new URL(link, ctx.url).pathname, `/v2/${repo}/tags/list`);
    });

    it('an exact last page has no Link', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['a', 'b', 'c', 'd']);
      const pages = await walk(ctx.client, `/v2/${repo}/tags/list?n=2`, 'tags', 2);
      assert.deepEqual(pages, [
        ['a', 'b'],
        ['c', 'd'],
      ]);
    });

    it('n larger than the list returns everything without Link', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['x', 'y']);
      const res = await ctx.client.get(`/v2/${repo}/tags/list?n=100`);
      assert.deepEqual(res.json(), { name: repo, tags: ['x', 'y'] });
      assert.equal(res.headers.get('link'), null);
    });

    it('last alone returns the tags after it', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['a', 'b', 'c', 'd']);
      const res = await ctx.client.get(`/v2/${repo}/tags/list?last=b`);
      assert.deepEqual(res.json(), { name: repo, tags: ['c', 'd'] });
    });

    it('last need not be an existing tag', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['a', 'c', 'e']);
      const res = await ctx.client.get(`/v2/${repo}/tags/list?n=1&last=b`);
      assert.deepEqual(res.json(), { name: repo, tags: ['c'] });
      assert.ok(nextLink(res.headers));
    });

    it('n=0 returns an empty list without Link', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['a', 'b']);
      const res = await ctx.client.get(`/v2/${repo}/tags/list?n=0`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { name: repo, tags: [] });
      assert.equal(res.headers.get('link'), null);
    });

    it('a malformed n is 400', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['a']);
      for (const n of ['-1', 'abc', '1.5']) {
        const res = await ctx.client.get(`/v2/${repo}/tags/list?n=${n}`);
        assert.equal(res.status, 400, `n=${n}: ${res.text}`);
      }
    });

    it('an unknown repository is 404 NAME_UNKNOWN', async () => {
      assertError(await ctx.client.get(`/v2/${repoName('unknown')}/tags/list`), 404, 'NAME_UNKNOWN');
    });

    it('a repository whose tags were all deleted lists an empty array', async () => {
      const repo = repoName('tags');
      await tagged(ctx.client, repo, ['only']);
      assert.equal((await ctx.client.delete(`/v2/${repo}/manifests/only`)).status, 202);
      const res = await ctx.client.get(`/v2/${repo}/tags/list`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { name: repo, tags: [] });
    });
  });

  describe('_catalog', () => {
    it('lists repositories with images, sorted, and pages through them with Link headers', async () => {
      const prefix = repoName('cat');
      const names = [`${prefix}/a`, `${prefix}/b`, `${prefix}/c`, `${prefix}/d`, `${prefix}/e`];
      for (const name of [...names].reverse()) await tagged(ctx.client, name, ['v']);

      const all = await ctx.client.get('/v2/_catalog');
      assert.equal(all.status, 200);
      assert.match(all.headers.get('content-type') ?? '', /^application\/json/);
      const everything = (all.json() as { repositories: string[] }).repositories;
      assert.deepEqual(everything, [...everything].sort(byteOrder));
      for (const name of names) assert.ok(everything.includes(name), `${name} in catalog`);

      const pages = await walk(ctx.client, '/v2/_catalog?n=2', 'repositories', 2);
      assert.deepEqual(pages.flat(), everything);

      const first = await ctx.client.get(`/v2/_catalog?n=2&last=${prefix}`);
      assert.deepEqual(first.json(), { repositories: names.slice(0, 2) });
      const link = nextLink(first.headers);
      assert.ok(link);
      const url = new URL(link, ctx.url);
      assert.equal(url.pathname, '/v2/_catalog');
      assert.equal(url.searchParams.get('last'), names[1]);
      const second = await ctx.client.get(link);
      assert.deepEqual(second.json(), { repositories: names.slice(2, 4) });
    });

    it('n=0 returns an empty list without Link', async () => {
      await tagged(ctx.client, repoName('cat'), ['v']);
      const res = await ctx.client.get('/v2/_catalog?n=0');
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { repositories: [] });
      assert.equal(res.headers.get('link'), null);
    });

    it('a repository with only an abandoned upload is not listed', async () => {
      const repo = repoName('ghost');
      const start = await ctx.client.request('POST', `/v2/${repo}/blobs/uploads/`);
      assert.equal(start.status, 202);
      const res = await ctx.client.get('/v2/_catalog');
      assert.ok(!(res.json() as { repositories: string[] }).repositories.includes(repo));
      assertError(await ctx.client.get(`/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN');
    });
  });
}
