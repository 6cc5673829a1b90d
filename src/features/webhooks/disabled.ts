/** The webhooks feature when not wired: every API call answers "not enabled" (fail closed). */
import { WebhooksDisabledError } from './errors.ts';
import type { WebhookService } from './service.ts';

export function disabledWebhooks(): WebhookService {
  return new Proxy({} as WebhookService, {
    get: () => async () => {
      throw new WebhooksDisabledError();
    },
  });
}
