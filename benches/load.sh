#!/usr/bin/env bash
# Load test (benches/load.py), overload drill (benches/overload.py) and
# crash drill (benches/crash_drill.py) against a release build.
#
#   benches/load.sh                      # load test at 1k and 100k parents
#   benches/load.sh --scales 1000        # just one scale
#   benches/load.sh overload             # the overload drill
#   benches/load.sh crash                # the crash drill
#
# Installs wrk from Debian if it is missing; needs python3 (standard
# library only). Results go to stdout; see benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --locked --bin attune
export ATTUNE_BIN="$CARGO_TARGET_DIR/release/attune"

case "${1:-}" in
  overload) shift; exec python3 benches/overload.py "$@" ;;
  crash) shift; exec python3 benches/crash_drill.py "$@" ;;
  *) exec python3 benches/load.py "$@" ;;
esac
