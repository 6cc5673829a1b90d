/** Replication when not wired: every API call answers "not enabled" (fail closed). */
import { ReplicationInputError } from './errors.ts';
import type { ReplicationService } from './service.ts';

export function disabledReplication(): ReplicationService {
  return new Proxy({} as ReplicationService, {
    get: () => async () => {
      throw new ReplicationInputError('replication', 'replication is not enabled on this server');
    },
  });
}
