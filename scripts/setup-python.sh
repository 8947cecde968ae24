#!/usr/bin/env bash
# Creates (or updates) the Python venv of the conformance suite at .venv in the repo root and
# installs the pinned packages of tests/conformance/requirements.txt from PyPI.
# Idempotent: a stamp file keyed on the requirements' hash makes a second run a no-op.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/tests/conformance/requirements.txt"
python="${PYTHON:-python3}"

hash="$( { "$python" --version 2>&1; cat "$requirements"; } | sha256sum | cut -d' ' -f1)"
stamp="$venv/.conformance-requirements.sha256"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup-python: creating $venv" >&2
    "$python" -m venv "$venv"
fi
echo "setup-python: installing $(basename "$requirements")" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$hash" > "$stamp"
