"""Write tools with the official Python SDK: `restart_agent` asks the user through the client's
elicitation callback (the model's `confirm` does not count), and a client without elicitation
must pass `confirm: true`. The server runs over stdio with read-only mode off."""

from __future__ import annotations

import os
import tempfile

import anyio
import pytest
from mcp import StdioServerParameters, types

from interop import CALL_TIMEOUT_S, binary, stdio_session

pytestmark = pytest.mark.anyio


@pytest.fixture
def params(sim) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAZUH_", "RUST_LOG"))}
    env |= {
        "WAZUH_PROD_URL": sim.manager_url,
        "WAZUH_PROD_USERNAME": "wazuh",
        "WAZUH_PROD_PASSWORD": "wazuh",
        "WAZUH_READ_ONLY": "false",
    }
    return StdioServerParameters(
        command=str(binary()), args=["serve"], env=env, cwd=tempfile.gettempdir()
    )


def user(action: str, confirm: bool, asked: list[str]):
    async def answer(context, params: types.ElicitRequestParams):
        asked.append(params.message)
        assert params.requestedSchema["properties"]["confirm"]["type"] == "boolean"
        content = {"confirm": confirm} if action == "accept" else None
        return types.ElicitResult(action=action, content=content)

    return answer


async def test_the_user_confirms_through_elicitation(params):
    asked: list[str] = []
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with stdio_session(params, elicitation_callback=user("accept", True, asked)) as (
            session,
            _,
        ):
            tools = {t.name: t for t in (await session.list_tools()).tools}
            result = await session.call_tool("restart_agent", {"agent_id": "001"})
    assert tools["restart_agent"].annotations.readOnlyHint is False
    assert result.isError is False, result.content
    assert result.structuredContent["affected"] == ["001"]
    assert len(asked) == 1 and asked[0].startswith("Restart the Wazuh agent 001 ("), asked


@pytest.mark.parametrize("action,confirm", [("decline", True), ("cancel", True), ("accept", False)])
async def test_a_user_who_does_not_confirm_stops_the_call(params, action, confirm):
    asked: list[str] = []
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with stdio_session(params, elicitation_callback=user(action, confirm, asked)) as (
            session,
            _,
        ):
            # The model claims the user agreed; the user's own answer decides.
            result = await session.call_tool("restart_agent", {"agent_id": "001", "confirm": True})
    assert result.isError is True
    assert "nothing was changed" in result.content[0].text.lower()
    assert len(asked) == 1


async def test_without_elicitation_confirm_is_required(params):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with stdio_session(params) as (session, _):
            refused = await session.call_tool("restart_agent", {"agent_id": "001"})
            done = await session.call_tool("restart_agent", {"agent_id": "001", "confirm": True})
    assert refused.isError is True and "confirm: true" in refused.content[0].text
    assert done.isError is False, done.content
    assert done.structuredContent["affected"] == ["001"]
