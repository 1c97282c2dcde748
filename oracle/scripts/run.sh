#!/usr/bin/env bash
# Runs the bundled probe with the Node binary beside it (unpacked from node.xz on first use), or the host's Node 22+.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ -f "$here/node.xz" && ! -x "$here/node" ]]; then
  xz -dc "$here/node.xz" > "$here/node.tmp" && chmod +x "$here/node.tmp" && mv "$here/node.tmp" "$here/node"
fi
node_bin="$here/node"
[[ -x "$node_bin" ]] || node_bin="$(command -v node || true)"
if [[ -z "$node_bin" ]]; then
  echo "run.sh: no Node: bundle with --with-node, or install Node 22 on this host" >&2
  exit 1
fi
exec "$node_bin" "$here/probe.mjs" "$@"
