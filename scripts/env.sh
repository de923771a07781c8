# Shared environment of the project's scripts; `source` it, don't run it.
#
# One persistent cargo target dir outside the checkout, so repeated builds, tests and CI
# runs in fresh clones are incremental. Override by exporting CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/micropay/target}"
MICROPAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MICROPAY_ROOT
# The debug node binary the dev chain and the end-to-end tests run.
export MICROPAY_NODE="${MICROPAY_NODE:-$CARGO_TARGET_DIR/debug/micropay-node}"

# Installs the scripts' npm packages (scripts/package-lock.json) unless they are up to date.
micropay_npm_install() {
	local scripts="$MICROPAY_ROOT/scripts"
	local stamp="$scripts/node_modules/.package-lock.json"
	if [ ! -f "$stamp" ] || [ "$scripts/package-lock.json" -nt "$stamp" ]; then
		echo "installing the scripts' npm packages"
		(cd "$scripts" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}
