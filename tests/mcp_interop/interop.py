"""Helpers of the MCP interoperability suite: the `wazuh-mcp` child processes (`demo`, `sim`)
with the URLs they print, and checks shared by the tests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITE_DIR = Path(__file__).resolve().parent

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 5.0
# Upper bound of any single client interaction (initialize + list + a few calls).
CALL_TIMEOUT_S = 30.0

TOOLS = {
    "authenticate",
    "get_agents",
    "get_agent_ports",
    "get_agent_packages",
    "get_agent_processes",
    "list_rules",
    "get_rule_files",
    "get_rule_file_content",
    "get_agent_sca",
    "get_sca_policy_checks",
}


def binary() -> Path:
    """The `wazuh-mcp` binary: `$WAZUH_MCP_BIN`, else the debug build."""
    path = Path(os.environ.get("WAZUH_MCP_BIN", "target/debug/wazuh-mcp"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        raise RuntimeError(f"{path} not found: run `cargo build -p wazuh-mcp` or set WAZUH_MCP_BIN")
    return path


def reference_dir() -> Path | None:
    """Wazuh's stock content: `$WAZUH_DATA_DIR`, else the nearest ancestor's `shared/wazuh`."""
    env = os.environ.get("WAZUH_DATA_DIR")
    if env:
        return Path(env)
    for ancestor in [REPO_ROOT, *REPO_ROOT.parents]:
        candidate = ancestor / "shared" / "wazuh"
        if (candidate / "ruleset").is_dir():
            return candidate
    return None


class Child:
    """A `wazuh-mcp` subcommand whose stdout is scanned for `label: URL` lines.

    stderr (the logs) goes to a temporary file, so a chatty child never blocks on a full pipe;
    its tail is quoted when something goes wrong."""

    def __init__(self, args: list[str], labels: dict[str, str], env: dict[str, str]):
        self.labels = labels  # key -> regex with one group, the URL
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [str(binary()), *args],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=tempfile.gettempdir(),  # no stray `.env` from the checkout
            env=env,
        )
        self.urls: dict[str, str] = {}
        self.stdout: list[str] = []
        self._found = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout.append(line)
            for key, pattern in self.labels.items():
                m = re.search(pattern, line)
                if m and key not in self.urls:
                    self.urls[key] = m.group(1)
            if len(self.urls) == len(self.labels):
                self._found.set()
        self._found.set()  # EOF: the process ended

    def logs(self) -> str:
        self.stderr.seek(0)
        return "".join(self.stderr.readlines()[-40:])

    def describe(self) -> str:
        return f"stdout:\n{''.join(self.stdout)}\nstderr (tail):\n{self.logs()}"

    def wait_urls(self) -> dict[str, str]:
        if not self._found.wait(STARTUP_TIMEOUT_S) or len(self.urls) < len(self.labels):
            self.kill()
            raise RuntimeError(
                f"`wazuh-mcp {self.proc.args[1]}` did not print {sorted(self.labels)}\n"
                + self.describe()
            )
        return self.urls

    def wait_http(self, url: str, ok=(200,)) -> None:
        """Polls `url` until it answers one of `ok`, within STARTUP_TIMEOUT_S."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with status {self.proc.returncode}\n{self.describe()}")
            try:
                r = httpx.get(url, timeout=2)
                if r.status_code in ok:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as e:
                last = repr(e)
            time.sleep(0.05)  # poll interval, within the deadline above
        self.kill()
        raise RuntimeError(f"{url} not ready after {STARTUP_TIMEOUT_S}s: {last}\n{self.describe()}")

    def terminate(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> int | None:
        """SIGTERM, then the exit status, or None if it did not exit within `timeout` (then
        it is killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Demo(Child):
    """`wazuh-mcp demo --port 0`: the simulator plus the MCP HTTP server."""

    def __init__(self, env: dict[str, str]):
        super().__init__(
            ["demo", "--port", "0"],
            {
                "mcp": r"^\s*MCP streamable HTTP:\s+(http://\S+)",
                "sse": r"^\s*MCP legacy SSE:\s+(http://\S+)",
            },
            env,
        )
        urls = self.wait_urls()
        self.mcp_url = urls["mcp"]
        self.sse_url = urls["sse"]
        self.base_url = self.mcp_url.removesuffix("/mcp")
        self.wait_http(self.base_url + "/healthz")


class Sim(Child):
    """`wazuh-mcp sim`: the Wazuh simulator alone (for `wazuh-mcp serve` over stdio)."""

    def __init__(self, env: dict[str, str]):
        super().__init__(
            ["sim", "--port", "0", "--indexer-port", "0", "--rate-limit", "0", "--agents", "10"],
            {"manager": r"^\s*manager API:\s+(http://\S+)"},
            env,
        )
        self.manager_url = self.wait_urls()["manager"]
        # `GET /` answers 401 without a token once the API routes are up.
        self.wait_http(self.manager_url + "/", ok=(200, 401))


def demo_env(full_ruleset: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    ref = reference_dir()
    if full_ruleset:
        if ref is None:
            raise RuntimeError(
                "Wazuh reference content not found: set WAZUH_DATA_DIR to the directory with "
                "ruleset/ and sca/ (or place it at <an ancestor of the repo>/shared/wazuh)"
            )
        env["WAZUH_DATA_DIR"] = str(ref)
    else:
        env.pop("WAZUH_DATA_DIR", None)
    return env


def split_text(text: str) -> tuple[str, object]:
    """The tools' text rendering: summary lines, a line saying the data is untrusted, then the
    JSON of the structured result on the last line."""
    head, _, rest = text.rpartition("\n")
    summary, _, marker = head.rpartition("\n")
    assert marker.startswith("Data from Wazuh"), text
    return (summary or marker), json.loads(rest)


# --- MCP client sessions (the official Python SDK) -------------------------------------------

from contextlib import asynccontextmanager  # noqa: E402

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.sse import sse_client  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402


@asynccontextmanager
async def streamable_session(url: str):
    """An initialized `ClientSession` over streamable HTTP; yields (session, initialize result)."""
    # `streamable_http_client` is the current name of the SDK's `streamablehttp_client`.
    async with streamable_http_client(url) as (read, write, _session_id):
        async with ClientSession(read, write) as session:
            yield session, await session.initialize()


@asynccontextmanager
async def sse_session(url: str):
    """An initialized `ClientSession` over the legacy HTTP+SSE transport."""
    async with sse_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            yield session, await session.initialize()


@asynccontextmanager
async def stdio_session(params: StdioServerParameters, **session_options):
    """An initialized `ClientSession` with `wazuh-mcp serve` as a child process over stdio;
    `session_options` go to `ClientSession` (e.g. `elicitation_callback`)."""
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, **session_options) as session:
            yield session, await session.initialize()
