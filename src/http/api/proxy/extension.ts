/** Proxy-cache (`registry_id`) and group (`group_members`) fields of /projects, through the project extension seam. */
import type { AccessService } from '../../../core/access/service.ts';
import type { ProxyFeature } from '../../../features/proxy/feature.ts';
import { checkSettings, ProxySettingsError, saveSettings } from '../../../features/proxy/settings.ts';
import type { RegistriesService } from '../../../features/registries/service.ts';
import type { ProjectExtension } from '../access/project-extension.ts';
import { invalidField } from '../errors.ts';

export function proxyProjectExtension(
  proxy: ProxyFeature,
  registries: RegistriesService,
  access: AccessService,
): ProjectExtension {
  const deps = {
    projects: proxy.projects,
    registries,
    projectExists: async (name: string) => (await access.store.projectByName(name)) !== null,
  };
  return {
    async check(body, project) {
      const name = project?.name ?? String(body.project_name ?? '');
      try {
        await checkSettings(deps, body, name, project !== null);
      } catch (err) {
        if (err instanceof ProxySettingsError) throw invalidField(err.field, err.message);
        throw err;
      }
    },
    async save(body, project) {
      await saveSettings(deps, body, project.name);
    },
    view(project) {
      const s = proxy.projects.settingsOf(project.name);
      if (!s) return {};
      return s.registryId !== null ? { registry_id: s.registryId } : { group_members: s.members };
    },
    async removed(project) {
      await proxy.projects.remove(project.name);
    },
  };
}
