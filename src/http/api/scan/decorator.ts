/** `with_scan_overview=true` on the artifact list and detail routes: Harbor's `scan_overview` by report MIME type. */
import type { ScanService } from '../../../features/scan/service.ts';
import type { ArtifactDecorator } from '../catalog-context.ts';
import { scanOverview } from './plugin.ts';

export function scanOverviewDecorator(scan: ScanService): ArtifactDecorator {
  return {
    async decorate(_repository, views, query) {
      if (query.with_scan_overview !== 'true') return;
      await Promise.all(
        views.map(async (view) => {
          const overview = await scanOverview(scan, view.digest);
          if (overview) view.scan_overview = overview;
        }),
      );
    },
  };
}
