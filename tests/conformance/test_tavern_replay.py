"""Replays the upstream Tavern tests the simulator covers (see tavern_replay.py and
docs/conformance.md): each covered stage's request is sent to a 4.14.7 simulator, and its status
code and JSON shape must be the expected ones. A mismatch fails the test; a difference that only
the simulated data explains (fewer items than upstream's environment) skips it with the reason.
"""

from __future__ import annotations

import json
import os
import re

import pytest

import tavern_replay as tr

TESTS = tr.load_tests()

# Known simulator discrepancies: (test id, stage name) -> reason. Such stages must fail (strict):
# once the simulator is fixed the test fails with "now passes", so remove the entry.
from known_discrepancies import TAVERN as XFAIL_STAGES  # noqa: E402
from known_discrepancies import TAVERN_DATA_DEPENDENT as DATA_DEPENDENT  # noqa: E402


def _params():
    return [
        pytest.param(t, id=t.id)
        for t in TESTS
    ]


def _request(sim, stage: tr.Stage, variables: dict):
    req = tr.format_value({k: v for k, v in stage.request.items() if k != "url"}, variables)
    params = {
        k: ("true" if v is True else "false" if v is False else v)
        for k, v in (req.get("params") or {}).items()
    }
    headers = {k: str(v) for k, v in (req.get("headers") or {}).items()}
    token = None
    if headers.get("Authorization", "").startswith("Bearer "):
        token = headers.pop("Authorization")[7:]
    auth = None
    if "auth" in req:
        auth = tuple(req["auth"])
    data = req.get("data")
    if isinstance(data, (dict, list)):
        data = None
    return sim.request(
        str(req.get("method", "GET")).upper(), stage.path, token, params=params,
        json_body=req.get("json"), data=data, headers=headers, auth=auth,
    )  # fmt: skip


@pytest.mark.versions("4.14.7")
@pytest.mark.parametrize("test", _params())
def test_tavern(sim, api_version, test: tr.TavernTest):
    if not test.covered:
        reasons = sorted({s.skip for s in test.stages})
        pytest.skip(f"no covered stage: {'; '.join(reasons)[:300]}")
    variables = dict(tr.common_variables())
    variables.update(protocol="http", host="127.0.0.1", test_login_token=sim.login("wazuh"))
    failures, data_gaps, expected_failures, now_passing = [], [], [], []
    for stage in test.stages:
        if stage.skip is not None:
            continue
        where = f"stage {stage.index} '{stage.name}' ({stage.method} {stage.path})"
        try:
            expected = tr.format_value(stage.response, variables)
            response = _request(sim, stage, variables)
        except (KeyError, AttributeError, IndexError) as e:
            data_gaps.append(f"{where}: needs {e} saved by a stage that was not replayed")
            continue
        problems: list[tr.Mismatch] = []
        want = expected.get("status_code", 200)
        if response.status_code != want:
            problems.append(tr.Mismatch("status_code", f"expected {want}, got {response.status_code}: {response.text[:200]}"))
        for name, value in (expected.get("headers") or {}).items():
            got = response.headers.get(name, "")
            if name.lower() == "content-type" and got.split(";")[0] != str(value).split(";")[0]:
                problems.append(tr.Mismatch(f"headers.{name}", f"expected {value!r}, got {got!r}"))
        try:
            body = response.json()
        except ValueError:
            body = None
        if "json" in expected and not any(p.path == "status_code" for p in problems):
            if body is None:
                problems.append(tr.Mismatch("<body>", f"not JSON: {response.text[:200]}"))
            else:
                saved = frozenset(v for k, v in variables.items() if k in saved_names(test, stage) and isinstance(v, str))
                problems += tr.match(expected["json"], body, "", saved)
        if body_has_unknown_agent(body, expected.get("json")):
            for p in problems:  # the agent upstream has is not in the simulated world (yet)
                p.data = True
        if (test.id, stage.name) in DATA_DEPENDENT:
            for p in problems:
                p.data = True
        if names_agents(stage, variables):
            # which agents exist and their states are upstream's docker environment
            for p in problems:
                if p.path == "error" or p.path.endswith(".error.code") or ".failed_items" in p.path:
                    p.data = True
        known = XFAIL_STAGES.get((test.id, stage.name))
        real = [p for p in problems if not p.data]
        if known:
            (expected_failures if real else now_passing).append(where)
        elif real:
            _record(test, stage, real)
            failures.append(f"{where}:\n    " + "\n    ".join(map(str, problems[:12])))
        elif problems:
            data_gaps.append(f"{where}: " + "; ".join(map(str, problems[:4])))
        save = ((expected.get("save") or {}).get("json") or {}) if isinstance(expected, dict) else {}
        for name, dotted in save.items():
            try:
                variables[name] = tr.extract(body, dotted)
                _SAVED.setdefault(test.id, set()).add(name)
            except (KeyError, IndexError, TypeError):
                pass  # a later stage that needs it reports the gap
    assert not now_passing, f"known discrepancies now pass, remove them from XFAIL_STAGES: {now_passing}"
    assert not failures, "simulator differs from upstream's Tavern test:\n" + "\n".join(failures)
    if expected_failures:
        pytest.xfail("; ".join(XFAIL_STAGES[(test.id, s.name)] for s in test.stages if (test.id, s.name) in XFAIL_STAGES))
    if data_gaps and len(data_gaps) == len(test.covered):
        pytest.skip("simulated data differs from upstream's environment: " + " | ".join(data_gaps)[:600])


_SAVED: dict[str, set[str]] = {}


def _record(test, stage, problems):
    """With CONFORMANCE_RECORD=file, appends new discrepancies as JSON lines (to review and
    move into known_discrepancies.py with a reason)."""
    target = os.environ.get("CONFORMANCE_RECORD")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps({"test": test.id, "stage": stage.name, "request": f"{stage.method} {stage.path}",
                                "params": {k: str(v) for k, v in (stage.request.get("params") or {}).items()},
                                "problems": [str(p) for p in problems[:6]]}) + "\n")
AGENT_ID = re.compile(r"(^|/)\d{3,}(/|$)")


def body_has_unknown_agent(body, expected) -> bool:
    """The simulator answered 1701 (agent does not exist) where upstream did not expect it."""
    try:
        codes = {f["error"]["code"] for f in body["data"]["failed_items"]}
    except (KeyError, TypeError):
        return False
    return 1701 in codes and "1701" not in json.dumps(expected, default=str)


def names_agents(stage: tr.Stage, variables: dict) -> bool:
    """Whether the request is about specific agents (an id in the path or an agents_list)."""
    params = stage.request.get("params") or {}
    return bool(AGENT_ID.search(stage.path)) or "agents_list" in params or "agent_list" in params


def saved_names(test: tr.TavernTest, stage: tr.Stage) -> set[str]:
    return _SAVED.get(test.id, set())


def test_docs_are_up_to_date():
    """docs/conformance.md is generated from the coverage table: regenerate it with
    `.venv/bin/python tests/conformance/tavern_replay.py --write`."""
    assert tr.DOCS.is_file(), "docs/conformance.md is missing"
    assert tr.DOCS.read_text(encoding="utf-8") == tr.render_docs(), "docs/conformance.md is stale"
