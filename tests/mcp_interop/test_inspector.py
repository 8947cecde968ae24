"""MCP Inspector's CLI (the TypeScript SDK's client), installed locally by run.sh with `npm ci`
from package-lock.json, run the way the demo banner says:

    npx @modelcontextprotocol/inspector --cli URL --transport http --method tools/list

`npx --no-install` resolves the local copy and never downloads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from interop import SUITE_DIR, TOOLS

INSPECTOR = SUITE_DIR / "node_modules" / "@modelcontextprotocol" / "inspector"
TIMEOUT_S = 60


@pytest.fixture(scope="module")
def inspector():
    unavailable = os.environ.get("MCP_INTEROP_INSPECTOR_UNAVAILABLE")
    if unavailable:
        pytest.skip(f"MCP Inspector unavailable: {unavailable}")
    if shutil.which("npx") is None:
        pytest.skip("MCP Inspector unavailable: npx (Node.js) is not on PATH")
    if not (INSPECTOR / "package.json").is_file():
        pytest.skip(f"MCP Inspector not installed: run `npm ci` in {SUITE_DIR.name}/ (run.sh does)")

    def run(url: str, transport: str, *args: str) -> dict:
        command = ["npx", "--no-install", "@modelcontextprotocol/inspector", "--cli", url,
                   "--transport", transport, *args]  # fmt: skip
        done = subprocess.run(
            command, cwd=SUITE_DIR, capture_output=True, text=True, timeout=TIMEOUT_S
        )
        assert done.returncode == 0, f"{command}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"not JSON ({e}):\n{done.stdout[:2000]}\n{done.stderr}") from e

    return run


def test_tools_list(inspector, demo):
    listed = inspector(demo.mcp_url, "http", "--method", "tools/list")
    assert sorted(t["name"] for t in listed["tools"]) == sorted(TOOLS)
    assert all(t["annotations"]["readOnlyHint"] is True for t in listed["tools"])


def test_tools_call(inspector, demo):
    result = inspector(
        demo.mcp_url, "http",
        "--method", "tools/call", "--tool-name", "get_agents", "--tool-arg", "limit=2",
    )  # fmt: skip
    assert result.get("isError") is False, result
    sc = result["structuredContent"]
    assert len(sc["items"]) == 2 and sc["total"] > 2
    assert [a["id"] for a in sc["items"]] == ["000", "001"]
    assert result["content"][0]["type"] == "text"


def test_tools_list_over_legacy_sse(inspector, demo):
    listed = inspector(demo.sse_url, "sse", "--method", "tools/list")
    assert sorted(t["name"] for t in listed["tools"]) == sorted(TOOLS)
