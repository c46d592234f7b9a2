# metadataproxy container image. Run it on the host's network with the Docker socket (see docs/deploy.md):
#   docker run -d --name metadataproxy --restart=always --net=host \
#     -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)" metadataproxy

# Build stage: the dev dependencies (TypeScript) compile src/ to dist/src/.
FROM node:20-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts
COPY src ./src
RUN npx tsc -p tsconfig.json

# Runtime stage: production dependencies and compiled JavaScript only.
FROM node:20-slim
# iproute2, iptables and procps (sysctl) serve `metadataproxy iptables`; the proxy itself needs none of them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 iptables procps \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, which is not installed here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
RUN ln -s /app/dist/src/cli.js /usr/local/bin/metadataproxy && chmod +x /app/dist/src/cli.js
# Not root: reading the Docker socket needs only its group (--group-add above). `metadataproxy iptables
# --apply` does need root and NET_ADMIN: run that one with --user root --cap-add NET_ADMIN.
USER node
EXPOSE 8000
ENTRYPOINT ["metadataproxy"]
