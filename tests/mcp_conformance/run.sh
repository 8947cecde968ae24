#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# package-lock.json) against the `wazuh-mcp` binary over streamable HTTP:
# 1. every server scenario of the suite against `wazuh-mcp demo` (default settings), checked
#    against expected-failures.yaml, with the CLI's own baseline and with check-results.mjs;
# 2. dns-rebinding-protection again against `wazuh-mcp serve --transport http` with
#    `server.allowed_origins` configured (not the defaults), where every check must pass.
#   tests/mcp_conformance/run.sh
# Installs the suite into tests/mcp_conformance/node_modules (npm ci) when the lock file or
# Node.js changed. Needs Node.js >= 20.6 and npm.
# Env: WAZUH_MCP_BIN (default target/debug/wazuh-mcp, built here when missing),
#      MCP_CONFORMANCE_KEEP=1 to keep the results directory (kept anyway on failure).
set -euo pipefail
suite="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$suite/../.." && pwd)"
cd "$root"
started=$SECONDS

STARTUP_TIMEOUT_S=60    # a server prints its address
SUITE_TIMEOUT_S=120     # one run of the conformance CLI (about 3 s when all is well)
SHUTDOWN_TIMEOUT_S=5    # a server exits after SIGTERM

die() { echo "mcp_conformance: $*" >&2; exit 1; }

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm (Node.js) not found on PATH"
# node20-compat.mjs needs module.register (Node >= 20.6).
node -e 'process.exit(typeof require("node:module").register === "function" ? 0 : 1)' \
    || die "Node.js $(node --version) is too old: the conformance CLI needs >= 20.6"

if [[ -z "${WAZUH_MCP_BIN:-}" && ! -x target/debug/wazuh-mcp ]]; then
    cargo build -p wazuh-mcp
fi
bin="${WAZUH_MCP_BIN:-target/debug/wazuh-mcp}"
[[ "$bin" = /* ]] || bin="$root/$bin"
[[ -x "$bin" ]] || die "$bin not found: run \`cargo build -p wazuh-mcp\` or set WAZUH_MCP_BIN"

stamp="$suite/node_modules/.conformance-lock.sha256"
hash="$( { node --version; cat "$suite/package-lock.json"; } | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$hash" ]]; then
    echo "mcp_conformance: installing @modelcontextprotocol/conformance (npm ci)" >&2
    # One dependency (used only by the CLI's tier-check) declares node >= 22: not strict.
    (cd "$suite" && npm ci --no-audit --no-fund --ignore-scripts --engine-strict=false \
        --loglevel=error) || die "npm ci failed"
    echo "$hash" > "$stamp"
fi
conformance=(node --import "$suite/node20-compat.mjs"
    "$suite/node_modules/@modelcontextprotocol/conformance/dist/index.js")

work="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")"
pids=()
status=1

# SIGTERM, then SIGKILL if the process has not exited within SHUTDOWN_TIMEOUT_S.
stop() {
    local pid=$1 state i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < SHUTDOWN_TIMEOUT_S * 10; i++)); do
        # A child that has exited stays a zombie (state Z) until `wait` reaps it.
        state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)"
        [[ "$state" == gone || "$state" == Z ]] && break
        sleep 0.1
    done
    if [[ "$state" != gone && "$state" != Z ]]; then
        echo "mcp_conformance: pid $pid did not exit ${SHUTDOWN_TIMEOUT_S}s after SIGTERM; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop "$pid"; done
    if [[ $status -eq 0 && -z "${MCP_CONFORMANCE_KEEP:-}" ]]; then
        rm -rf "$work"
    else
        echo "mcp_conformance: results and server logs kept in $work" >&2
    fi
}
trap cleanup EXIT

# Waits until FILE has a line matching the sed -E expression EXPR (which prints the wanted part)
# and prints that part; fails with the logs when PID exits first or after STARTUP_TIMEOUT_S.
wait_for() {
    local file=$1 expr=$2 pid=$3 log=$4 found i
    for ((i = 0; i < STARTUP_TIMEOUT_S * 10; i++)); do
        found="$(sed -n -E "$expr" "$file" | head -n1)"
        if [[ -n "$found" ]]; then
            echo "$found"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "mcp_conformance: no match for '$expr' in $file (pid $pid)" >&2
    cat "$file" >&2
    tail -n 40 "$log" >&2
    return 1
}

# 1. `wazuh-mcp demo`: the simulator and the MCP server with default settings. The scenarios
# need no Wazuh content: the built-in sample is enough and starts faster.
(cd "$work" && exec env -u WAZUH_DATA_DIR "$bin" demo --port 0 >"$work/demo.out" 2>"$work/demo.log") &
pids+=($!)
demo_pid=$!
mcp_url="$(wait_for "$work/demo.out" 's#^\s*MCP streamable HTTP:\s+(http://127\.0\.0\.1:[0-9]+/mcp).*#\1#p' \
    "$demo_pid" "$work/demo.log")"
manager="$(wait_for "$work/demo.out" 's#^\s*Simulated manager:\s+(http://\S+)\s+\((\S+) / (\S+)\).*#\1 \2 \3#p' \
    "$demo_pid" "$work/demo.log")"
read -r manager_url manager_user manager_password <<<"$manager"
node -e '
    const deadline = Date.now() + Number(process.argv[2]) * 1000;
    (async () => {
        for (;;) {
            try { if ((await fetch(process.argv[1], {signal: AbortSignal.timeout(2000)})).ok) return; }
            catch {}
            if (Date.now() > deadline) { console.error(`${process.argv[1]} not ready`); process.exit(1); }
            await new Promise((r) => setTimeout(r, 50));
        }
    })();' "${mcp_url%/mcp}/healthz" "$STARTUP_TIMEOUT_S"

rc=0
echo "mcp_conformance: every server scenario against wazuh-mcp demo ($mcp_url)"
timeout "$SUITE_TIMEOUT_S" "${conformance[@]}" server --url "$mcp_url" --suite all \
    --expected-failures "$suite/expected-failures.yaml" -o "$work/results" \
    >"$work/conformance.log" 2>&1 || rc=$?
check_rc=0
node "$suite/check-results.mjs" "$work/results" "$suite/expected-failures.yaml" || check_rc=$?
if [[ $rc -ne 0 || $check_rc -ne 0 ]]; then
    cat "$work/conformance.log"
    echo "mcp_conformance: FAILED (conformance CLI exit $rc, check-results exit $check_rc)" >&2
    exit 1
fi

# 2. `wazuh-mcp serve` with configured origins (the path a deployment uses), against the demo's
# simulated manager.
cat >"$work/config.yaml" <<'EOF'
server:
  allowed_origins: ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
EOF
(cd "$work" && exec env WAZUH_PROD_URL="$manager_url" WAZUH_PROD_USERNAME="$manager_user" \
    WAZUH_PROD_PASSWORD="$manager_password" "$bin" serve --config "$work/config.yaml" \
    --transport http --host 127.0.0.1 --port 0 --log-level info 2>"$work/serve.log" >/dev/null) &
pids+=($!)
serve_pid=$!
addr="$(wait_for "$work/serve.log" 's#.*serving MCP over HTTP.*addr=(127\.0\.0\.1:[0-9]+).*#\1#p' \
    "$serve_pid" "$work/serve.log")"
echo "mcp_conformance: dns-rebinding-protection against wazuh-mcp serve with loopback allowed_origins (http://$addr/mcp)"
rc=0
timeout "$SUITE_TIMEOUT_S" "${conformance[@]}" server --url "http://$addr/mcp" \
    --scenario dns-rebinding-protection -o "$work/results-origins" \
    >"$work/conformance-origins.log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
    cat "$work/conformance-origins.log"
    echo "mcp_conformance: FAILED: dns-rebinding-protection with allowed_origins (exit $rc)" >&2
    exit 1
fi
grep -E '^Passed: ' "$work/conformance-origins.log" | sed 's/^/dns-rebinding-protection (allowed_origins): /'

status=0
echo "mcp_conformance: OK in $((SECONDS - started)) s"
