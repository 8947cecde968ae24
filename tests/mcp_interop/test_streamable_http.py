"""The official MCP Python SDK against `/mcp` (streamable HTTP): handshake, tool definitions,
every tool with real arguments and checked answers, and bad input."""

from __future__ import annotations

import json
import re

import anyio
import jsonschema
import pytest
from mcp.shared.exceptions import McpError

from interop import CALL_TIMEOUT_S, TOOLS, split_text, streamable_session

pytestmark = pytest.mark.anyio

AGENT_ID = re.compile(r"^\d{3,}$")


async def test_initialize(demo):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, init):
            assert init.serverInfo.name == "wazuh-mcp"
            assert init.serverInfo.version
            assert init.capabilities.tools is not None
            assert init.instructions, "the server should tell the model what it is for"
            await session.send_ping()


async def test_concurrent_calls_in_one_session(demo):
    """Requests in flight together on one session: each answer matches its request id."""
    ids = ["001", "002", "004", "000", "003"]
    names: dict[str, list[str]] = {}

    async def one(session, agent_id):
        r = await session.call_tool("get_agents", {"agent_ids": [agent_id]})
        names[agent_id] = [a["id"] for a in r.structuredContent["items"]]

    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            async with anyio.create_task_group() as tg:
                for agent_id in ids:
                    tg.start_soon(one, session, agent_id)
    assert names == {i: [i] for i in ids}


def schema_problems(schema: dict, where: str = "") -> list[str]:
    """Constructs strict clients reject: nullable types and `oneOf`/`anyOf` unions."""
    problems = []
    if isinstance(schema, dict):
        if isinstance(schema.get("type"), list) and "null" in schema["type"]:
            problems.append(f"{where or '/'}: nullable type {schema['type']}")
        for key in ("oneOf", "anyOf"):
            if key in schema and not where:
                problems.append(f"top-level {key}")
        for key, value in schema.items():
            if isinstance(value, dict):
                problems += schema_problems(value, f"{where}/{key}")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    problems += schema_problems(item, f"{where}/{key}/{i}")
    return problems


async def test_list_tools(demo):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            tools = (await session.list_tools()).tools
    assert sorted(t.name for t in tools) == sorted(TOOLS)
    for tool in tools:
        assert tool.description, tool.name
        assert tool.inputSchema.get("type") == "object", tool.name
        assert tool.outputSchema and tool.outputSchema.get("type") == "object", tool.name
        jsonschema.Draft202012Validator.check_schema(tool.inputSchema)
        jsonschema.Draft202012Validator.check_schema(tool.outputSchema)
        assert not schema_problems(tool.inputSchema), (tool.name, schema_problems(tool.inputSchema))
        a = tool.annotations
        assert a is not None, tool.name
        assert a.readOnlyHint is True, tool.name
        assert a.openWorldHint is not None, tool.name
        assert a.destructiveHint is False, tool.name
        assert a.title, tool.name


# Formats of JSON Schema 2020-12, plus the OpenAPI ones that ajv-formats (the TypeScript SDK's
# validator) also knows.
KNOWN_FORMATS = {
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex",
    "int32", "int64", "float", "double", "byte", "binary", "password",
}  # fmt: skip


def formats(schema, path=""):
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            yield path or "/", schema["format"]
        for key, value in schema.items():
            yield from formats(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from formats(value, f"{path}/{i}")


async def test_schemas_use_known_formats(demo):
    """Strict validators (ajv in the TypeScript SDK) warn on unknown formats such as `uint64`."""
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            tools = (await session.list_tools()).tools
    unknown = [
        (tool.name, where, fmt)
        for tool in tools
        for schema in (tool.inputSchema, tool.outputSchema or {})
        for where, fmt in formats(schema)
        if fmt not in KNOWN_FORMATS
    ]
    assert not unknown, unknown


async def test_identifiers_are_required(demo):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            tools = {t.name: t for t in (await session.list_tools()).tools}
    for name in ("get_agent_ports", "get_agent_packages", "get_agent_processes", "get_agent_sca"):
        assert tools[name].inputSchema.get("required") == ["agent_id"], name
    assert set(tools["get_sca_policy_checks"].inputSchema["required"]) == {"agent_id", "policy_id"}
    assert tools["get_rule_file_content"].inputSchema["required"] == ["filename"]
    assert "required" not in tools["get_agents"].inputSchema


def check_authenticate(sc, text):
    assert sc["authenticated"] is True
    assert re.match(r"^\d+\.\d+\.\d+", sc["api_version"]), sc
    assert sc["user"] == "wazuh"
    assert "eyJ" not in text and "eyJ" not in json.dumps(sc), "a JWT leaked into the answer"


def check_active_agents(sc, _text):
    assert sc["items"], "no active agents"
    assert len(sc["items"]) <= 5 and sc["total"] >= len(sc["items"])
    for agent in sc["items"]:
        assert AGENT_ID.match(agent["id"]), agent
        assert agent["status"] == "active", agent


def check_processes(sc, _text):
    shells = [p for p in sc["items"] if p["name"].lower().startswith("powershell")]
    assert shells, sc["items"]
    assert all("EncodedCommand" in p["cmd"] for p in shells)
    assert all(p["agent_id"] == "002" for p in sc["items"])


def check_ports(sc, _text):
    assert sc["total"] >= 1 and sc["items"]
    assert all(p["remote"]["ip"] == "192.168.1.100" for p in sc["items"]), sc["items"]


def check_packages(sc, _text):
    assert 0 < len(sc["items"]) <= 5 and sc["total"] >= len(sc["items"])
    assert all(p["name"] and p["version"] and p["agent_id"] == "001" for p in sc["items"])


def check_rule_5710(sc, _text):
    assert sc["total"] == 1 and len(sc["items"]) == 1
    rule = sc["items"][0]
    assert (rule["id"], rule["level"], rule["filename"]) == (5710, 5, "0095-sshd_rules.xml")


def check_rule_files(sc, _text):
    names = [f["filename"] for f in sc["items"]]
    assert "0095-sshd_rules.xml" in names, names
    # The stock ruleset has well over a hundred rule files (the built-in sample a handful).
    assert sc["total"] > 100, sc["total"]


def check_rule_file_content(sc, _text):
    assert sc["filename"] == "0095-sshd_rules.xml" and sc["format"] == "xml"
    assert '<rule id="5710"' in sc["content"]


def check_sca(policy_id):
    def check(sc, _text):
        assert policy_id in [p["policy_id"] for p in sc["items"]], sc["items"]

    return check


def check_failed_checks(sc, _text):
    assert sc["items"] and sc["total"] >= len(sc["items"])
    assert all(c["result"] == "failed" for c in sc["items"]), [c["result"] for c in sc["items"]]
    assert all(c["policy_id"] == "cis_ubuntu22-04" for c in sc["items"])


CASES = [
    ("authenticate", {}, check_authenticate),
    ("get_agents", {"status": "active", "limit": 5}, check_active_agents),
    # Lenient input: a list for status and a number sent as a string.
    ("get_agents", {"status": ["active"], "limit": "5"}, check_active_agents),
    ("get_agent_processes", {"agent_id": "002", "search": "EncodedCommand"}, check_processes),
    ("get_agent_ports", {"agent_id": "001", "remote_ip": "192.168.1.100"}, check_ports),
    ("get_agent_packages", {"agent_id": "001", "limit": 5}, check_packages),
    ("list_rules", {"rule_ids": ["5710"]}, check_rule_5710),
    ("get_rule_files", {"limit": 500}, check_rule_files),
    ("get_rule_file_content", {"filename": "0095-sshd_rules.xml"}, check_rule_file_content),
    ("get_agent_sca", {"agent_id": "001"}, check_sca("cis_ubuntu22-04")),
    ("get_agent_sca", {"agent_id": "002"}, check_sca("cis_win2022")),
    (
        "get_sca_policy_checks",
        {"agent_id": "001", "policy_id": "cis_ubuntu22-04", "result": "failed", "limit": 20},
        check_failed_checks,
    ),
]


def test_every_tool_has_a_case():
    assert {name for name, _, _ in CASES} == TOOLS


@pytest.mark.parametrize(
    "tool, arguments, check",
    CASES,
    ids=[f"{name}-{json.dumps(args, sort_keys=True)}" for name, args, _ in CASES],
)
async def test_call_tool(demo, tool, arguments, check):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            definition = next(t for t in (await session.list_tools()).tools if t.name == tool)
            result = await session.call_tool(tool, arguments)
    text = "\n".join(c.text for c in result.content if c.type == "text")
    assert result.isError is False, text
    sc = result.structuredContent
    assert isinstance(sc, dict), "no structuredContent"
    jsonschema.validate(sc, definition.outputSchema, cls=jsonschema.Draft202012Validator)
    # The text rendering agrees with the structured result: same JSON, same totals.
    summary, rendered = split_text(text)
    assert rendered == sc
    if "total" in sc:
        assert f"of {sc['total']} " in summary, summary
        assert re.search(rf"\b{len(sc['items'])} of {sc['total']}\b", summary), summary
    check(sc, text)


# --- bad input: results an agent can read and correct, not protocol errors ------------------


async def call(url: str, tool: str, arguments: dict):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(url) as (session, _):
            result = await session.call_tool(tool, arguments)
    return result, "\n".join(c.text for c in result.content if c.type == "text")


async def test_unpadded_agent_id_is_a_tool_error(demo):
    result, text = await call(demo.mcp_url, "get_agent_ports", {"agent_id": "1"})
    assert result.isError is True
    assert "001" in text, text


async def test_missing_agent_id_is_a_tool_error(demo):
    result, text = await call(demo.mcp_url, "get_agent_processes", {})
    assert result.isError is True
    assert "agent_id" in text, text


async def test_path_traversal_is_refused(demo):
    arguments = {"filename": "../../etc/passwd"}
    result, text = await call(demo.mcp_url, "get_rule_file_content", arguments)
    assert result.isError is True
    assert "root:" not in text


async def test_non_numeric_limit_is_a_tool_error(demo):
    result, text = await call(demo.mcp_url, "get_agents", {"limit": "abc"})
    assert result.isError is True
    assert "abc" in text, text


async def test_unknown_tool_is_a_jsonrpc_error(demo):
    with anyio.fail_after(CALL_TIMEOUT_S):
        async with streamable_session(demo.mcp_url) as (session, _):
            with pytest.raises(McpError) as error:
                await session.call_tool("no_such_tool", {})
            # The session is still usable afterwards.
            assert len((await session.list_tools()).tools) == len(TOOLS)
    assert error.value.error.code in (-32602, -32601), error.value.error
