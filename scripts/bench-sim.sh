#!/usr/bin/env bash
# Start-up time and memory of the simulator at several fleet sizes.
#   scripts/bench-sim.sh [BIN] [AGENTS...]
# BIN defaults to target/release/wazuh-mcp; WAZUH_DATA_DIR selects the full stock ruleset.
# For each size: wall time from launch until the manager answers GET / (401 without a token
# counts), the start-up time the simulator reports, resident memory once ready (VmRSS) and its
# peak (VmHWM), then one _search over all alerts and one over inventory packages, timed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/target/release/wazuh-mcp}
shift || true
SIZES=${*:-50 10000}
DATA_ARGS=()
[ -n "${WAZUH_DATA_DIR:-}" ] && DATA_ARGS=(--data-dir "$WAZUH_DATA_DIR")

printf '| agents | ready (wall) | reported | RSS ready | peak RSS | alerts | alerts search | packages search |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in $SIZES; do
  out=$(mktemp)
  start=$(date +%s%N)
  "$BIN" sim --port 0 --indexer-port 0 --rate-limit 0 --agents "$n" "${DATA_ARGS[@]}" >"$out" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url=$(grep -o 'manager API: *http://[0-9.:]*' "$out" | awk '{print $3}' || true)
    [ -n "$url" ] && curl -s -o /dev/null "$url/" && break
    sleep 0.05
  done
  ready=$(( ($(date +%s%N) - start) / 1000000 ))
  idx=$(grep -o 'indexer: *http://[0-9.:]*' "$out" | awk '{print $2}')
  reported=$(grep -o 'ready in [0-9]* ms' "$out" | awk '{print $3}')
  alerts=$(grep -o '[0-9]* alerts' "$out" | head -1 | awk '{print $1}')
  rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  t0=$(date +%s%N)
  curl -s -u admin:admin -H 'content-type: application/json' \
    -d '{"size":10,"query":{"range":{"rule.level":{"gte":10}}},"aggs":{"a":{"terms":{"field":"agent.name"}}}}' \
    "$idx/wazuh-alerts-4.x-*/_search" >/dev/null
  t1=$(date +%s%N)
  curl -s -u admin:admin -H 'content-type: application/json' \
    -d '{"size":10,"query":{"term":{"package.name":"openssl"}}}' \
    "$idx/wazuh-states-inventory-packages-*/_search" >/dev/null
  t2=$(date +%s%N)
  hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  printf '| %s | %s ms | %s ms | %s MB | %s MB | %s | %s ms | %s ms |\n' \
    "$n" "$ready" "$reported" "$((rss / 1024))" "$((hwm / 1024))" "$alerts" \
    "$(( (t1 - t0) / 1000000 ))" "$(( (t2 - t1) / 1000000 ))"
  rm -f "$out"
done
