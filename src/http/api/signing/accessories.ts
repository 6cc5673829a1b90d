/** The signing feature's accessories in the artifact API's shape (Harbor's accessory plus verification). */
import type { SigningService } from '../../../features/signing/service.ts';
import type { SignatureLister } from '../catalog-context.ts';

export function signatureLister(signing: SigningService): SignatureLister {
  return async (repository, digest) =>
    (await signing.accessories(repository, digest)).map((a) => {
      const valid = a.checks.find((c) => c.valid);
      return {
        digest: a.digest,
        size: a.size,
        type: a.format === 'notation' ? 'signature.notation' : 'signature.cosign',
        artifact_type: a.artifactType,
        media_type: a.mediaType,
        creation_time: a.createdAt,
        signed: valid !== undefined,
        signature: {
          format: a.format,
          tag_scheme: a.tagScheme,
          key: valid?.keyName ?? null,
          fingerprint: valid?.fingerprint ?? a.checks.find((c) => c.fingerprint)?.fingerprint ?? null,
          errors: a.checks.filter((c) => !c.valid).map((c) => c.message),
        },
      };
    });
}
