#!/usr/bin/env bash
# Conformance suite of the Wazuh API simulator: sets up the Python venv, then runs pytest
# against `wazuh-mcp sim` for API 4.14.7, 4.7.5 and 5.0.0.
#   tests/conformance/run.sh [pytest args...]
# Env: WAZUH_DATA_DIR (reference dir; default: an ancestor's shared/wazuh),
#      WAZUH_MCP_BIN (default target/debug/wazuh-mcp, built here when missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash scripts/setup-python.sh
if [[ -z "${WAZUH_MCP_BIN:-}" && ! -x target/debug/wazuh-mcp ]]; then
    cargo build -p wazuh-mcp
fi
exec .venv/bin/python -m pytest tests/conformance \
    --api-version 4.14.7 --api-version 4.7.5 --api-version 5.0.0 "$@"
