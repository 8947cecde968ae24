"""The reference design's LangChain client, unchanged in its MCP part:

    client = MultiServerMCPClient({"wazuh": {"transport": "sse", "url": "http://HOST:PORT/sse/"}})
    tools = await client.get_tools()

No LLM is available here, so the LangChain tools are invoked directly, the way an agent
executor would: flat arguments, the reference's wrapped `{"args": {...}}` form, and a tool call."""

from __future__ import annotations

import json

import anyio
import pytest
from langchain_core.messages import ToolMessage
from langchain_mcp_adapters.client import MultiServerMCPClient

from interop import CALL_TIMEOUT_S, TOOLS, split_text

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sse", "streamable_http"])
def connection(request, demo):
    url = demo.sse_url if request.param == "sse" else demo.mcp_url
    return {"transport": request.param, "url": url}


def agents_of(content) -> dict:
    """The structured result inside a LangChain tool's content (a list of text blocks)."""
    text = (
        content
        if isinstance(content, str)
        else "\n".join(block["text"] for block in content if block.get("type") == "text")
    )
    return split_text(text)[1]


async def get_tools(connection) -> dict:
    client = MultiServerMCPClient({"wazuh": connection})
    return {tool.name: tool for tool in await client.get_tools()}


async def test_get_tools(connection):
    with anyio.fail_after(CALL_TIMEOUT_S):
        tools = await get_tools(connection)
    assert set(tools) == TOOLS
    schema = tools["get_agents"].args_schema
    schema = schema if isinstance(schema, dict) else schema.model_json_schema()
    assert {"status", "limit"} <= set(schema["properties"])


async def test_invoke_flat_arguments(connection):
    with anyio.fail_after(CALL_TIMEOUT_S):
        tools = await get_tools(connection)
        content = await tools["get_agents"].ainvoke({"status": ["active"], "limit": 5})
    result = agents_of(content)
    assert 0 < len(result["items"]) <= 5
    assert all(a["status"] == "active" for a in result["items"])
    assert result["total"] >= len(result["items"])


async def test_invoke_wrapped_arguments(connection):
    """The reference design's tools took `{"args": {...}}`; the LangChain tool passes the dict
    through (its schema is plain JSON Schema), and the server unwraps it."""
    with anyio.fail_after(CALL_TIMEOUT_S):
        tools = await get_tools(connection)
        flat = agents_of(await tools["get_agents"].ainvoke({"status": ["disconnected"]}))
        wrapped = agents_of(
            await tools["get_agents"].ainvoke({"args": {"status": ["disconnected"]}})
        )
    assert wrapped["items"], "no disconnected agents"
    assert all(a["status"] == "disconnected" for a in wrapped["items"])
    assert wrapped == flat


async def test_tool_call_message(connection):
    """What an agent executor does with a model's tool call: a ToolMessage back."""
    call = {
        "type": "tool_call",
        "id": "call-1",
        "name": "get_agent_processes",
        "args": {"agent_id": "002", "search": "EncodedCommand"},
    }
    with anyio.fail_after(CALL_TIMEOUT_S):
        tools = await get_tools(connection)
        message = await tools["get_agent_processes"].ainvoke(call)
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "call-1" and message.status == "success"
    result = agents_of(message.content)
    # The adapters hand the structured result on as the message's artifact.
    assert message.artifact["structured_content"] == result
    assert any("EncodedCommand" in p["cmd"] for p in result["items"]), json.dumps(result)[:500]


async def test_tool_error_reaches_the_model(connection):
    """A bad argument comes back as an error the model can read, not an exception that ends
    the agent's run."""
    call = {
        "type": "tool_call",
        "id": "call-2",
        "name": "get_agent_ports",
        "args": {"agent_id": "1"},
    }
    with anyio.fail_after(CALL_TIMEOUT_S):
        tools = await get_tools(connection)
        message = await tools["get_agent_ports"].ainvoke(call)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "001" in str(message.content), message.content
