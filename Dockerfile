# Berth's container image. Two stages: `build` compiles the server and the
# console with the full toolchain; `runtime` keeps only what runs: Node, the
# compiled JavaScript, the built console and production dependencies.
#
#   docker build -t berth .     (or: buildah build --format docker -t berth .,
#                                 which keeps the HEALTHCHECK)
#   docker run -p 5000:5000 -v berth-data:/data berth
#
# On machines without a registry to pull node:20 from, deploy/container/build.sh
# builds this same file with both stages supplied locally (docs/container.md).
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Native modules (better-sqlite3) compile here if no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && sh deploy/container/trim-node-modules.sh node_modules \
 && mkdir -p /app \
 && cp -a package.json package-lock.json bin dist node_modules /app/ \
 && mkdir -p /app/web && cp -a web/dist /app/web/dist

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="Berth" \
      org.opencontainers.image.description="Self-hosted OCI container registry" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/berth-registry/berth" \
      org.opencontainers.image.documentation="https://github.com/berth-registry/berth/blob/main/docs/container.md"
ENV NODE_ENV=production \
    BERTH_DATA=/data \
    BERTH_HOST=0.0.0.0 \
    BERTH_PORT=5000
# A fixed numeric user: works on bases without useradd, and under Kubernetes'
# runAsNonRoot (which needs a number to check).
COPY --from=build --chown=0:0 /app /app
RUN mkdir -p /data && chown 10001:10001 /data && chmod 0750 /data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 5000
# The liveness path (/livez) answers while the process can serve, without
# touching the database; the start period covers migrations on first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.BERTH_PORT||5000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Berth finishes requests in flight on SIGTERM and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=4", "--v8-pool-size=1", "/app/bin/berth.js"]
CMD ["serve"]
