"""The official MCP Python SDK's `stdio_client` launching `wazuh-mcp serve` (the Claude Desktop
setup), configured the reference design's way (WAZUH_PROD_*) against `wazuh-mcp sim`."""

from __future__ import annotations

import os
import tempfile

import anyio
import pytest
from mcp import StdioServerParameters

from interop import CALL_TIMEOUT_S, TOOLS, binary, split_text, stdio_session

pytestmark = pytest.mark.anyio


@pytest.fixture
def params(sim) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAZUH_", "RUST_LOG"))}
    env |= {
        "WAZUH_PROD_URL": sim.manager_url,
        "WAZUH_PROD_USERNAME": "wazuh",
        "WAZUH_PROD_PASSWORD": "wazuh",
    }
    # A scratch working directory: `serve` reads `.env` from it.
    return StdioServerParameters(
        command=str(binary()), args=["serve"], env=env, cwd=tempfile.gettempdir()
    )


async def test_list_tools_and_call(params):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with stdio_session(params) as (session, init):
            assert init.serverInfo.name == "wazuh-mcp"
            tools = (await session.list_tools()).tools
            result = await session.call_tool("get_agents", {"status": "active", "limit": 3})
            auth = await session.call_tool("authenticate", {})
    assert sorted(t.name for t in tools) == sorted(TOOLS)
    assert result.isError is False, result.content
    items = result.structuredContent["items"]
    assert 0 < len(items) <= 3 and all(a["status"] == "active" for a in items)
    assert split_text(result.content[0].text)[1] == result.structuredContent
    assert auth.isError is False and auth.structuredContent["user"] == "wazuh"
