#!/usr/bin/env bash
# Starts the built proxy in demo mode on the given Node binary, asks it for mock metadata from 127.0.0.1
# and for a demo caller's credentials from 127.0.0.2, then stops it with SIGTERM: it must exit 0.
#   usage: scripts/smoke-start.sh [NODE]
set -euo pipefail
cd "$(dirname "$0")/.."

node=${1:-node}
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$node" dist/src/cli.js --demo --port 0 --admin-listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's|^  curl \(http://127\.0\.0\.1:[0-9]*\)/latest/meta-data/instance-id.*|\1|p' "$work/out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "smoke start: the proxy on $("$node" --version) did not come up" >&2
  cat "$work/out" "$work/err" >&2
  exit 1
fi
instance=$(curl -sS --fail --max-time 5 --interface 127.0.0.1 "$url/latest/meta-data/instance-id")
role=$(curl -sS --fail --max-time 5 --interface 127.0.0.2 "$url/latest/meta-data/iam/security-credentials/")
curl -sS --fail --max-time 5 --interface 127.0.0.2 "$url/latest/meta-data/iam/security-credentials/$role" | grep -q '"Code" *: *"Success"'
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -ne 0 ]; then
  echo "smoke start: the proxy on $("$node" --version) exited $status after SIGTERM" >&2
  cat "$work/err" >&2
  exit 1
fi
echo "smoke start on node $("$node" --version): instance-id $instance, role $role, clean exit"
