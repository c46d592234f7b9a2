# metadataproxy container image: `npm run image` builds it (docs/container-image.md). Run it on the host's
# network with the Docker socket:
#   docker run -d --name metadataproxy --restart=always --net=host \
#     -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)" metadataproxy:dev

# Any Debian-based image with Node 22 and npm at /usr/local. Where no registry is reachable,
# scripts/image.sh makes an equivalent one from Debian packages and passes it here.
ARG BASE=node:22-bookworm-slim

# Build stage: TypeScript compiles src/ to dist/src/, then the dev dependencies go, and the optional
# New Relic agent (most of node_modules) unless NEWRELIC=true.
FROM ${BASE} AS build
ARG NEWRELIC=false
WORKDIR /build
# npm-cache/ is in the context only when scripts/image.sh sends it; its content (_cacache/) lets npm ci
# run without a registry. The pattern matches nothing in a plain checkout, and npm then downloads.
COPY package.json package-lock.json tsconfig.json npm-cach[e] ./
RUN npm ci --ignore-scripts --prefer-offline --cache /build --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json \
 && if [ "$NEWRELIC" = true ]; then omit="--omit=dev"; else omit="--omit=dev --omit=optional"; fi \
 && npm prune $omit --ignore-scripts --offline --cache /build --no-audit --no-fund

FROM ${BASE}
# tini as PID 1 passes `docker stop`'s SIGTERM on to the proxy (which drains and exits 0) and reaps
# children; iproute2, iptables and procps serve `metadataproxy iptables`. The offline base has them.
RUN if command -v tini && command -v iptables && command -v ip && command -v sysctl; then :; else \
      apt-get update && apt-get install -y --no-install-recommends tini iproute2 iptables procps \
      && rm -rf /var/lib/apt/lists/*; fi >/dev/null
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist/src ./dist/src
RUN ln -s /app/dist/src/cli.js /usr/local/bin/metadataproxy && chmod +x /app/dist/src/cli.js
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="metadataproxy" \
      org.opencontainers.image.description="Per-container AWS IAM credentials through an EC2 instance metadata (IMDS) proxy" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.documentation="docs/container-image.md"
# Not root: reading the Docker socket needs only its group (--group-add above). `metadataproxy iptables
# --apply` does need root and NET_ADMIN: run that one with --user root --cap-add NET_ADMIN.
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["metadataproxy", "healthcheck"]
ENTRYPOINT ["tini", "--", "metadataproxy"]
