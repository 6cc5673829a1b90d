/**
 * The pull gate: a core guard on `beforeManifestPull`. A client's manifest
 * GET/HEAD of an artifact without a valid signature from a trusted key is
 * refused with 412 and a message that names signing and the reason. Reads by
 * the management API (`caller.inspection`) and HEADs are not gated. Any unexpected
 * failure while deciding refuses too (fail closed), never a 500.
 */
import { RegistryError } from '../../core/errors.ts';
import type { RegistryEvent, RegistryGuard } from '../../core/hooks.ts';
import type { SigningService } from './service.ts';

export const SIGNATURE_TAG = /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/;

export function signingGuard(signing: SigningService, onError?: (err: unknown) => void): RegistryGuard {
  const refuse = (refusal: string | undefined, digest: string) => {
    if (refusal) throw new RegistryError('PRECONDITION_FAILED', refusal, { digest });
  };
  return {
    name: 'signing',
    beforeManifestPull(check) {
      // Management reads and HEADs (digest only: what `cosign sign` needs) are not gated, as in Harbor.
      if (check.caller.inspection || check.headOnly) return;
      const digest = check.record.digest;
      // A verdict already known answers at once: every manifest GET runs this.
      const known = signing.knownVerdict(check.repository, digest);
      if (known) return refuse(known.refusal, digest);
      return signing.verdict(check.repository, digest).then(
        (verdict) => refuse(verdict.refusal, digest),
        (err) => {
          onError?.(err);
          refuse('signature required: the signature could not be verified (invalid)', digest);
        },
      );
    },
  };
}

/** Signature pushes and deletions change verdicts: tell every node (the shared counter). */
export function signingListener(signing: SigningService) {
  return async (event: RegistryEvent): Promise<void> => {
    const relevant =
      (event.type === 'manifest.pushed' &&
        (event.subject !== null || (event.tag !== null && SIGNATURE_TAG.test(event.tag)))) ||
      event.type === 'manifest.deleted' ||
      (event.type === 'tag.deleted' && SIGNATURE_TAG.test(event.tag));
    if (!relevant) return;
    await signing.changed();
    // Warm this node's cache for the signed artifact, so its next pull only reads the verdict.
    if (event.type === 'manifest.pushed') {
      const subject = event.subject ?? (event.tag ? `sha256:${event.tag.slice(7, 71)}` : null);
      if (subject) await signing.verdict(event.repository, subject).catch(() => undefined);
    }
  };
}
