#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, then the interoperability and conformance
# suites (Python clients against the real binary). Installs what the suites need on first run.
#
# Needs Wazuh's reference content (API specs, ruleset, SCA policies): WAZUH_DATA_DIR, or a
# `shared/wazuh` directory beside the repository.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ -z "${WAZUH_DATA_DIR:-}" ]; then
  for candidate in "$ROOT/../shared/wazuh" "$ROOT/shared/wazuh"; do
    if [ -d "$candidate/ruleset" ]; then
      WAZUH_DATA_DIR=$(cd "$candidate" && pwd)
      break
    fi
  done
fi
if [ -z "${WAZUH_DATA_DIR:-}" ] || [ ! -d "$WAZUH_DATA_DIR/ruleset" ]; then
  echo "error: Wazuh reference content not found; set WAZUH_DATA_DIR to a directory with ruleset/, sca/ and the API specs" >&2
  exit 2
fi
export WAZUH_DATA_DIR

echo "==> Rust tests"
# cargo test rather than nextest: the integration binaries share one simulator between their
# tests, which a process per test (nextest) would rebuild for every test.
cargo test --workspace --no-fail-fast

# `cargo test` has just built the binary for the CLI tests (with the test build's features);
# building it again with `cargo build` would recompile most of the dependency tree.
export WAZUH_MCP_BIN="$ROOT/target/debug/wazuh-mcp"
if [ ! -x "$WAZUH_MCP_BIN" ]; then
  echo "==> Building the binary for the end-to-end suites"
  cargo build -p wazuh-mcp
fi

for suite in tests/*/run.sh; do
  [ -x "$suite" ] || continue
  echo "==> $suite"
  "$suite"
done
