"""Fixtures of the conformance suite: a simulator per API version, started from the project
binary on port 0, and tokens for its users."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wazuh_conformance import REPO_ROOT, URL_LINE, VERSIONS, Sim, Spec, reference_dir  # noqa: E402

STARTUP_TIMEOUT_S = 60.0


def pytest_addoption(parser):
    parser.addoption(
        "--api-version",
        action="append",
        choices=VERSIONS,
        help="simulated Wazuh API version(s) to test (repeatable; default: all)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "versions(*v): run the test only against these simulated API versions"
    )


def selected_versions(config) -> list[str]:
    return config.getoption("--api-version") or list(VERSIONS)


def pytest_generate_tests(metafunc):
    if "api_version" not in metafunc.fixturenames:
        return
    versions = selected_versions(metafunc.config)
    marker = metafunc.definition.get_closest_marker("versions")
    if marker:
        versions = [v for v in versions if v in marker.args]
    metafunc.parametrize("api_version", versions, scope="session")


def simulator_binary() -> Path:
    path = Path(os.environ.get("WAZUH_MCP_BIN", "target/debug/wazuh-mcp"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.exit(
            f"simulator binary {path} not found: run `cargo build -p wazuh-mcp` or set WAZUH_MCP_BIN",
            returncode=4,
        )
    return path


class SimProcess:
    """The `wazuh-mcp sim` child process and the URLs it printed."""

    def __init__(self, version: str, extra_args: tuple[str, ...] = ()):
        self.version = version
        args = [
            str(simulator_binary()), "sim",
            "--port", "0", "--indexer-port", "0", "--rate-limit", "0",
            "--data-dir", str(reference_dir()), "--agents", "20",
            "--api-version", version, *extra_args,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
        )
        self.urls: dict[str, str] = {}
        self.stdout_lines: list[str] = []
        self.stderr_tail: list[str] = []
        self._found = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            m = URL_LINE.match(line)
            if m:
                self.urls[m.group(1)] = m.group(2)
                if len(self.urls) == 2:
                    self._found.set()
        self._found.set()  # EOF: the process ended

    def _read_stderr(self):
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_tail = (self.stderr_tail + [line])[-40:]

    def fail(self, why: str):
        self.stop()
        raise RuntimeError(
            f"simulator {self.version}: {why}\nstdout:\n{''.join(self.stdout_lines)}"
            f"\nstderr (tail):\n{''.join(self.stderr_tail)}"
        )

    def wait_ready(self) -> Sim:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        if not self._found.wait(STARTUP_TIMEOUT_S) or len(self.urls) < 2:
            self.fail("did not print its manager and indexer URLs")
        sim = Sim(self.version, self.urls["manager API"], self.urls["indexer"])
        # Readiness: poll `GET /` (it answers 401 without a token once routing is up).
        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"exited with status {self.proc.returncode}")
            try:
                r = requests.get(sim.manager_url + "/", timeout=2)
                if r.status_code in (200, 401):
                    return sim
                last_error = f"GET / answered {r.status_code}"
            except requests.RequestException as e:
                last_error = str(e)
            self._found.wait(0.05)  # bounded back-off between polls
        self.fail(f"not ready after {STARTUP_TIMEOUT_S}s: {last_error}")
        raise AssertionError("unreachable")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_sim(version: str, *extra_args: str):
    process = SimProcess(version, extra_args)
    try:
        yield process.wait_ready()
    finally:
        process.stop()


@pytest.fixture(scope="session")
def sim(api_version) -> Sim:
    """A simulator answering as `api_version`, shared by the session."""
    yield from start_sim(api_version)


@pytest.fixture(scope="session")
def spec(api_version) -> Spec:
    return Spec(api_version)


@pytest.fixture
def admin_token(sim) -> str:
    """A fresh token of the administrator (tests may revoke every token)."""
    return sim.login("wazuh")


@pytest.fixture
def analyst_token(sim) -> str:
    """A fresh token of the read-only user."""
    return sim.login("analyst")
