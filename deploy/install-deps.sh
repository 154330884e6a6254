#!/usr/bin/env bash
# Installs the Debian packages listed in deploy/debian-packages.txt that are
# not installed yet. Runs `apt-get update` only when something is missing.
# Needs root, or sudo when not root.
# Usage: deploy/install-deps.sh [--no-test] [LIST]
#   --no-test  skip the packages whose line says "test-only" (image builds)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
skip_test=0
if [[ "${1:-}" == "--no-test" ]]; then
    skip_test=1
    shift
fi
list="${1:-$here/debian-packages.txt}"

if [[ ! -r "$list" ]]; then
    echo "install-deps: cannot read package list $list" >&2
    exit 1
fi

# The list without comments and blank lines.
filter=(cat)
if [[ $skip_test -eq 1 ]]; then
    filter=(grep -v 'test-only')
fi
mapfile -t wanted < <("${filter[@]}" "$list" | sed -e 's/#.*//' -e 's/[[:space:]]//g' |
    grep -v '^$')

missing=()
for pkg in "${wanted[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#wanted[@]} packages are installed"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ "$(id -u)" -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps: not root and sudo is not available; install as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: apt-get not found: this needs Debian 12 (bookworm)" >&2
    exit 1
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    "${missing[@]}"
