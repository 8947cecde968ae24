"""Graceful shutdown with clients still connected: SIGTERM must end open SSE streams and
streamable HTTP sessions and exit 0 promptly. (The shared `demo` fixture makes the same check
when it stops at the end of the run.)"""

from __future__ import annotations

import anyio
import pytest

from interop import (
    CALL_TIMEOUT_S,
    SHUTDOWN_TIMEOUT_S,
    Demo,
    demo_env,
    sse_session,
    streamable_session,
)

pytestmark = pytest.mark.anyio


async def test_sigterm_with_open_sessions():
    server = Demo(demo_env(full_ruleset=False))
    try:
        with anyio.fail_after(CALL_TIMEOUT_S):
            async with sse_session(server.sse_url) as (sse, _):
                async with streamable_session(server.mcp_url) as (http, _):
                    assert not (await sse.call_tool("get_agents", {"limit": 1})).isError
                    assert not (await http.call_tool("get_agents", {"limit": 1})).isError
                    # Both sessions are open (an SSE stream and a GET stream) while the
                    # server is told to stop.
                    status = await anyio.to_thread.run_sync(server.terminate)
    finally:
        server.kill()
    assert status == 0, (
        f"exit status {status} (None: still running {SHUTDOWN_TIMEOUT_S}s after SIGTERM, "
        f"killed)\n{server.describe()}"
    )
