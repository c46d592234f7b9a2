#!/usr/bin/env bash
# `npm run image [-- TAG]`: builds the container image from ./Dockerfile with the engine DOCKER_HOST names
# (default tag metadataproxy:dev). The base is IMAGE_BASE if set, else the official node:22-bookworm-slim
# when the engine has it or can pull it, else an equivalent base made from Debian packages
# (scripts/image-base.sh). The npm packages travel in the build context, so the build itself needs no
# registry either. IMAGE_NEWRELIC=true keeps the optional New Relic agent in the image.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-${IMAGE_TAG:-metadataproxy:dev}}
official=node:22-bookworm-slim
cache=${MDP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metadataproxy}

base=${IMAGE_BASE:-}
if [ -z "$base" ]; then
  if docker image inspect "$official" >/dev/null 2>&1 || timeout 120 docker pull -q "$official" >/dev/null 2>&1; then
    base=$official
  else
    echo "image.sh: $official cannot be pulled; making an equivalent base from Debian packages" >&2
    base=$(scripts/image-base.sh)
  fi
fi

# Fill an npm cache with exactly the locked packages (from ~/.npm's copies where npm has them).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --ignore-scripts --prefer-offline --cache "$cache/npm-cache" --no-audit --no-fund >/dev/null)

version=$(node -p 'require("./package.json").version')
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
echo "image.sh: building $tag on $base" >&2
tar -c Dockerfile package.json package-lock.json tsconfig.json src -C "$cache" npm-cache \
  | docker build --tag "$tag" --build-arg "BASE=$base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "NEWRELIC=${IMAGE_NEWRELIC:-false}" - \
    >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  exit 1
}
size=$(docker image inspect --format '{{.Size}}' "$tag")
echo "image.sh: built $tag ($((size / 1000000)) MB)" >&2
