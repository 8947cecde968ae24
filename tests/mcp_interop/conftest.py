"""Fixtures of the MCP interoperability suite: one `wazuh-mcp demo` for the session (stopped
with SIGTERM at the end, which must exit 0: graceful shutdown) and one `wazuh-mcp sim` for the
stdio tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import SHUTDOWN_TIMEOUT_S, Demo, Sim, demo_env  # noqa: E402


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
def demo():
    """`wazuh-mcp demo --port 0` with the stock ruleset; its URLs are parsed from the banner."""
    server = Demo(demo_env())
    yield server
    status = server.terminate()
    assert status == 0, (
        f"`wazuh-mcp demo` did not exit cleanly within {SHUTDOWN_TIMEOUT_S}s of SIGTERM "
        f"(status {status}; None: still running, killed)\n{server.describe()}"
    )


@pytest.fixture(scope="session")
def sim():
    server = Sim(demo_env(full_ruleset=False))
    yield server
    server.terminate()
