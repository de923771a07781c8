#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine with rustup and Node 20:
# protoc and Chromium (apt), the wasm32v1-none target, rustfmt and clippy, and the scripts'
# npm packages. Chromium is Debian's: the web console's browser test drives it with
# playwright-core, which never downloads a browser.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v protoc >/dev/null 2>&1; then
	echo "setup: installing protobuf-compiler (apt)"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq protobuf-compiler >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
	echo "setup: installing chromium (apt), for the web console's browser test"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32v1-none; then
	echo "setup: adding the wasm32v1-none rust target"
	rustup target add wasm32v1-none
fi
for component in rustfmt clippy; do
	if ! rustup component list --installed | grep -q "^$component"; then
		echo "setup: adding rustup component $component"
		rustup component add "$component"
	fi
done

node_major="$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)"
if [ -z "$node_major" ] || [ "$node_major" -lt 20 ]; then
	echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
	exit 1
fi

micropay_npm_install
echo "setup: ok (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
