#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (22, 24, ...), taken from the npm
# registry's node-linux-<arch> package (the official build, repackaged) and unpacked once into a cache:
# CI tests on it, and the offline image base (scripts/image-base.sh) ships it.
#   usage: scripts/node-binary.sh MAJOR
set -euo pipefail

major=${1:?usage: node-binary.sh MAJOR}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "node-binary.sh: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
cache=${MDP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metadataproxy}/node-$arch-$major
if [ ! -x "$cache/bin/node" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  mkdir -p "$work/unpacked"
  tar -xzf "$work"/node-linux-"$arch"-*.tgz -C "$work/unpacked" --strip-components=1 package/bin/node package/LICENSE
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache"
  # Renamed into place whole, so an interrupted download never leaves a half binary in the cache.
  mv "$work/unpacked" "$cache"
fi
echo "$cache/bin/node"
