"""Raw HTTP behaviour of `/mcp` that SDK clients rely on but do not show: DNS-rebinding
protection (Host and Origin checks) and session termination."""

from __future__ import annotations

import json

import httpx
import pytest

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "interop-raw", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def post_initialize(url: str, **headers: str) -> httpx.Response:
    return httpx.post(url, json=INITIALIZE, headers=HEADERS | headers, timeout=10)


def test_loopback_host_is_accepted(demo):
    """The control for the refusals below: the same request with the real Host header works."""
    r = post_initialize(demo.mcp_url)
    assert r.status_code == 200, r.text
    assert r.headers.get("mcp-session-id")


@pytest.mark.parametrize("path", ["/mcp", "/sse", "/sse/", "/messages/?session_id=x"])
def test_foreign_host_is_refused(demo, path):
    url = demo.base_url + path
    if path.startswith("/messages"):
        r = httpx.post(url, json=INITIALIZE, headers={"Host": "evil.example"}, timeout=10)
    elif path.startswith("/sse"):
        with httpx.stream("GET", url, headers={"Host": "evil.example"}, timeout=10) as r:
            pass
    else:
        r = post_initialize(url, Host="evil.example")
    assert r.status_code == 403, (r.status_code, r.headers)


def test_foreign_host_with_port_is_refused(demo):
    port = demo.base_url.rsplit(":", 1)[1]
    assert post_initialize(demo.mcp_url, Host=f"evil.example:{port}").status_code == 403


def test_foreign_origin_is_refused(demo):
    r = post_initialize(demo.mcp_url, Origin="http://evil.example")
    assert r.status_code == 403, r.text


def test_health_is_outside_the_guard(demo):
    r = httpx.get(demo.base_url + "/healthz", headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 200


def test_delete_ends_the_session(demo):
    r = post_initialize(demo.mcp_url)
    session = r.headers["mcp-session-id"]
    headers = HEADERS | {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}
    initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    notified = httpx.post(demo.mcp_url, json=initialized, headers=headers, timeout=10)
    assert notified.status_code == 202, notified.text
    deleted = httpx.delete(demo.mcp_url, headers=headers, timeout=10)
    assert deleted.is_success, deleted.status_code
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    after = httpx.post(demo.mcp_url, json=ping, headers=headers, timeout=10)
    assert after.status_code == 404, (after.status_code, after.text)


def rpc_result(response: httpx.Response) -> dict:
    """The JSON-RPC answer of a POST, sent as JSON or as one SSE `data:` event."""
    if response.headers["content-type"].startswith("application/json"):
        return response.json()
    events = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    return next(json.loads(e) for e in events if e)


@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
def test_protocol_version_negotiation(demo, version):
    """Clients of every published protocol revision get their own version back."""
    body = INITIALIZE | {"params": INITIALIZE["params"] | {"protocolVersion": version}}
    r = httpx.post(demo.mcp_url, json=body, headers=HEADERS, timeout=10)
    assert r.status_code == 200, r.text
    assert rpc_result(r)["result"]["protocolVersion"] == version
