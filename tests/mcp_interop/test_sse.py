"""The official MCP Python SDK against the legacy HTTP+SSE transport, at `/sse/` (the URL the
demo prints and the reference design used) and at `/sse`."""

from __future__ import annotations

import anyio
import pytest

from interop import CALL_TIMEOUT_S, TOOLS, split_text, sse_session

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["/sse/", "/sse"])
def sse_url(request, demo):
    return demo.base_url + request.param


def test_banner_names_sse_url(demo):
    assert demo.sse_url == demo.base_url + "/sse/"


async def test_initialize_and_list_tools(sse_url):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with sse_session(sse_url) as (session, init):
            assert init.serverInfo.name == "wazuh-mcp"
            tools = (await session.list_tools()).tools
    assert sorted(t.name for t in tools) == sorted(TOOLS)
    assert all(t.outputSchema and t.annotations.readOnlyHint for t in tools)


async def test_call_tools(sse_url):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with sse_session(sse_url) as (session, _):
            agents = await session.call_tool("get_agents", {"status": "active", "limit": 3})
            ports = await session.call_tool(
                "get_agent_ports", {"agent_id": "001", "remote_ip": "192.168.1.100"}
            )
            rule = await session.call_tool("list_rules", {"rule_ids": "5710"})
            bad = await session.call_tool("get_agent_ports", {"agent_id": "1"})

    assert agents.isError is False
    assert len(agents.structuredContent["items"]) == 3
    assert all(a["status"] == "active" for a in agents.structuredContent["items"])
    assert split_text(agents.content[0].text)[1] == agents.structuredContent

    assert ports.isError is False
    assert ports.structuredContent["items"][0]["remote"]["ip"] == "192.168.1.100"

    assert rule.isError is False
    assert [r["level"] for r in rule.structuredContent["items"]] == [5]

    assert bad.isError is True and "001" in bad.content[0].text


async def test_concurrent_sessions_do_not_mix(demo):
    """Two SSE sessions at once: each answer arrives on its own stream."""

    async def agent_name(agent_id: str, out: dict):
        async with sse_session(demo.sse_url) as (session, _):
            r = await session.call_tool("get_agents", {"agent_ids": [agent_id]})
            out[agent_id] = [a["name"] for a in r.structuredContent["items"]]

    names: dict[str, list[str]] = {}
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with anyio.create_task_group() as tg:
            for agent_id in ("001", "002", "004"):
                tg.start_soon(agent_name, agent_id, names)
    assert names == {"001": ["web-01"], "002": ["WIN-DC01"], "004": ["db-stg-01"]}


async def test_large_answer(demo):
    """Half a megabyte in one SSE event (every check of a CIS policy, descriptions included)."""
    arguments = {"agent_id": "001", "policy_id": "cis_ubuntu22-04", "limit": 500}
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with sse_session(demo.sse_url) as (session, _):
            result = await session.call_tool("get_sca_policy_checks", arguments)
    assert result.isError is False
    sc = result.structuredContent
    assert len(sc["items"]) == sc["total"] > 100
    assert len(result.content[0].text) > 100_000
    assert split_text(result.content[0].text)[1] == sc
