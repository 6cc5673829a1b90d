/** Listings: tags/list and _catalog (with n/last paging), and the referrers API. */
import { RegistryError } from '../../core/errors.ts';
import { OCI_INDEX } from '../../core/mediatypes.ts';
import type { Page } from '../../core/ports.ts';
import type { OciRoute } from './paths.ts';
import type { HandlerTable, OciContext } from './plugin.ts';
import { type Headers, send, sendJson } from './respond.ts';

const MAX_PAGE = 10_000;

function pageOf(query: URLSearchParams): Page {
  const n = query.get('n');
  const last = query.get('last') ?? undefined;
  if (n === null) return { last };
  if (!/^\d+$/.test(n)) throw new RegistryError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer', { n });
  return { n: Math.min(Number(n), MAX_PAGE), last };
}

/** Fetches one entry more than asked to know whether a next page exists. */
async function paged(page: Page, list: (p: Page) => Promise<string[]>): Promise<{ items: string[]; next?: string }> {
  if (page.n === undefined) return { items: await list(page) };
  if (page.n === 0) return { items: [] };
  const items = await list({ ...page, n: page.n + 1 });
  if (items.length <= page.n) return { items };
  const shown = items.slice(0, page.n);
  return { items: shown, next: shown[shown.length - 1] };
}

function link(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

export const listingHandlers: HandlerTable = {
  tags: {
    GET: async (ctx: OciContext, route: Extract<OciRoute, { kind: 'tags' }>) => {
      await ctx.access.authorize(ctx.req, route.name, ['pull']);
      const page = pageOf(ctx.query);
      const { items, next } = await paged(page, (p) => ctx.registry.listTags(route.name, p));
      const headers: Headers = next ? { link: link(`/v2/${route.name}/tags/list`, page.n as number, next) } : {};
      sendJson(ctx.res, 200, { name: route.name, tags: items }, headers);
    },
  },
  catalog: {
    GET: async (ctx: OciContext) => {
      await ctx.access.authorize(ctx.req, null, []);
      const page = pageOf(ctx.query);
      const visible = ctx.access.visible?.bind(ctx.access);
      // Pages are cut from what the caller may read, not filtered after cutting (short or empty pages).
      const list = async (p: Page) => {
        if (!visible) return ctx.registry.listRepositories(p);
        if (p.n === undefined) return visible(ctx.req, await ctx.registry.listRepositories(p));
        const out: string[] = [];
        const batch = Math.max(p.n, 100);
        let last = p.last;
        for (;;) {
          const names = await ctx.registry.listRepositories({ n: batch, last });
          out.push(...(await visible(ctx.req, names)));
          if (out.length >= p.n || names.length < batch) return out.slice(0, p.n);
          last = names[names.length - 1];
        }
      };
      const { items, next } = await paged(page, list);
      const headers: Headers = next ? { link: link('/v2/_catalog', page.n as number, next) } : {};
      sendJson(ctx.res, 200, { repositories: items }, headers);
    },
  },
  referrers: {
    GET: async (ctx: OciContext, route: Extract<OciRoute, { kind: 'referrers' }>) => {
      await ctx.access.authorize(ctx.req, route.name, ['pull']);
      // An empty `artifactType=` asks for no filter (and must not claim one was applied).
      const artifactType = ctx.query.get('artifactType') || undefined;
      const body = await ctx.registry.referrers(route.name, route.digest, artifactType);
      send(
        ctx.res,
        200,
        { 'content-type': OCI_INDEX, ...(artifactType ? { 'oci-filters-applied': 'artifactType' } : {}) },
        body,
      );
    },
  },
};
