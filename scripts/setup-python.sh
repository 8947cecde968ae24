#!/usr/bin/env bash
# Creates (or updates) the Python venv of the end-to-end suites at .venv in the repo root and
# installs the pinned packages of every tests/*/requirements.txt (the conformance and the MCP
# interoperability suites) from PyPI, resolved together.
# Idempotent: a stamp file keyed on the requirements' hash makes a second run a no-op.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements=("$root"/tests/*/requirements.txt)
python="${PYTHON:-python3}"

hash="$( { "$python" --version 2>&1; cat "${requirements[@]}"; } | sha256sum | cut -d' ' -f1)"
stamp="$venv/.requirements.sha256"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup-python: creating $venv" >&2
    "$python" -m venv "$venv"
fi
args=()
for file in "${requirements[@]}"; do
    args+=(-r "$file")
done
echo "setup-python: installing ${requirements[*]#"$root/"}" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
echo "$hash" > "$stamp"
