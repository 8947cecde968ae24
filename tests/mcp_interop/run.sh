#!/usr/bin/env bash
# MCP interoperability suite: real MCP clients against the `wazuh-mcp` binary — the official
# Python SDK (streamable HTTP, legacy SSE, stdio), langchain-mcp-adapters, and MCP Inspector's
# CLI (TypeScript SDK).
#   tests/mcp_interop/run.sh [pytest args...]
# Installs what it needs: the pinned Python packages into .venv (scripts/setup-python.sh) and
# the pinned MCP Inspector into tests/mcp_interop/node_modules (npm ci, from package-lock.json).
# Env: WAZUH_DATA_DIR (reference dir; default: an ancestor's shared/wazuh),
#      WAZUH_MCP_BIN (default target/debug/wazuh-mcp, built here when missing).
set -euo pipefail
suite="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$suite/../.." && pwd)"
cd "$root"

bash scripts/setup-python.sh
if [[ -z "${WAZUH_MCP_BIN:-}" && ! -x target/debug/wazuh-mcp ]]; then
    cargo build -p wazuh-mcp
fi

# MCP Inspector. When it cannot be installed, its tests are skipped with the reason.
if ! command -v npm >/dev/null || ! command -v npx >/dev/null; then
    export MCP_INTEROP_INSPECTOR_UNAVAILABLE="npm/npx (Node.js) not found on PATH"
else
    stamp="$suite/node_modules/.interop-lock.sha256"
    hash="$( { node --version; cat "$suite/package-lock.json"; } | sha256sum | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$hash" ]]; then
        echo "mcp_interop: installing MCP Inspector (npm ci)" >&2
        # The inspector declares node >= 22 but its CLI runs on Node 20; the tests prove it.
        if log="$(cd "$suite" && npm ci --no-audit --no-fund --ignore-scripts \
                --engine-strict=false --loglevel=error 2>&1)"; then
            echo "$hash" > "$stamp"
        else
            echo "$log" >&2
            export MCP_INTEROP_INSPECTOR_UNAVAILABLE="npm ci failed: $(echo "$log" | grep -m1 -i 'err' || echo "$log" | tail -n1)"
        fi
    fi
fi

exec .venv/bin/python -m pytest tests/mcp_interop "$@"
