"""Every operation the simulator implements, answered as the OpenAPI spec of the simulated
version says: a status the spec lists for the operation, its Content-Type, and a body that the
spec's response schema (with `$ref`s resolved, OpenAPI 3.0 `nullable` honoured) accepts, down to
the item schema of `data.affected_items` (e.g. AllItemsResponseAgents -> Agent).

Requests are valid ones (filters, `q`, `select`, `sort`, paging) and error ones (unknown
parameter, malformed agent id, no token, revoked or expired token, read-only user writing,
unknown agent). Placeholders in paths and parameters (`{agent}`, `{policy}`, ...) are filled from
the simulated world; a case whose data the world does not have yet is skipped, not passed.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest

from conftest import start_sim
from wazuh_conformance import PROBLEM_JSON, Spec, media_type


@dataclass
class Case:
    id: str
    method: str
    template: str  # the spec's path template
    path: str  # the request path, with {agent}-style placeholders
    status: int  # the status a real manager answers
    params: dict = field(default_factory=dict)
    body: Any = None
    user: str | None = "wazuh"  # "wazuh", "analyst", None (no token), "revoked", "basic"
    versions: tuple[str, ...] = ("4.14.7", "4.7.5", "5.0.0")
    raw: bool = False  # the 200 answer is not JSON (raw=true)
    failed_code: int | None = None  # expected code in data.failed_items[0].error
    needs: tuple[str, ...] = ()  # world data the case depends on ("agent", "manager")
    xfail: dict[str, str] = field(default_factory=dict)  # version ("*" = all) -> reason


V4 = ("4.14.7", "4.7.5")
SYSCOLLECTOR = ["os", "hardware", "packages", "processes", "ports", "netaddr", "netiface",
                "netproto", "hotfixes"]  # fmt: skip
SYSCOLLECTOR_SORT = {"packages": "name", "processes": "pid", "ports": "local.port",
                     "netaddr": "address", "netiface": "name", "netproto": "iface",
                     "hotfixes": "hotfix"}  # fmt: skip

CASES: list[Case] = [
    Case("root", "GET", "/", "/", 200),
    Case("login-post", "POST", "/security/user/authenticate", "/security/user/authenticate", 200, user="basic"),
    Case("login-post-raw", "POST", "/security/user/authenticate", "/security/user/authenticate", 200,
         params={"raw": "true"}, user="basic", raw=True),
    Case("login-get", "GET", "/security/user/authenticate", "/security/user/authenticate", 200, user="basic", versions=V4),
    Case("login-get-raw", "GET", "/security/user/authenticate", "/security/user/authenticate", 200,
         params={"raw": "true"}, user="basic", raw=True, versions=V4),
    Case("login-bad-password", "POST", "/security/user/authenticate", "/security/user/authenticate", 401, user="badpass"),
    Case("login-no-credentials", "POST", "/security/user/authenticate", "/security/user/authenticate", 401, user=None),
    Case("agents", "GET", "/agents", "/agents", 200),
    Case("agents-paged", "GET", "/agents", "/agents", 200,
         params={"select": "id,name,status,os.name", "sort": "-name", "limit": 5, "offset": 1}),
    Case("agents-q", "GET", "/agents", "/agents", 200, params={"q": "status=active;id!=000", "limit": 3}),
    Case("agents-search", "GET", "/agents", "/agents", 200, params={"search": "0", "limit": 3}),
    Case("agents-filters", "GET", "/agents", "/agents", 200, params={"status": "active,disconnected", "os.platform": "ubuntu"}),
    Case("agents-list-partial", "GET", "/agents", "/agents", 200, params={"agents_list": "{agent},999"}, failed_code=1701),
    Case("agents-unknown-param", "GET", "/agents", "/agents", 400, params={"nonexistent": "1"}),
    Case("agents-limit-0", "GET", "/agents", "/agents", 400, params={"limit": 0}),
    Case("agents-bad-q", "GET", "/agents", "/agents", 400, params={"q": "status=active;;"}),
    Case("agents-bad-sort-field", "GET", "/agents", "/agents", 400, params={"sort": "+nonexistent_field"}, needs=("agent",)),
    Case("agents-bad-select-field", "GET", "/agents", "/agents", 400, params={"select": "nonexistent_field"}, needs=("agent",)),
    Case("agents-bad-q-field", "GET", "/agents", "/agents", 400, params={"q": "nonexistent_field=1"}, needs=("agent",)),
    Case("agents-no-token", "GET", "/agents", "/agents", 401, user=None),
    Case("agents-revoked-token", "GET", "/agents", "/agents", 401, user="revoked"),
    Case("agents-garbage-token", "GET", "/agents", "/agents", 401, user="garbage"),
    Case("agents-analyst", "GET", "/agents", "/agents", 200, user="analyst"),
    Case("summary-status", "GET", "/agents/summary/status", "/agents/summary/status", 200),
    Case("summary-os", "GET", "/agents/summary/os", "/agents/summary/os", 200),
    *[Case(f"syscollector-{k}", "GET", f"/syscollector/{{agent_id}}/{k}", f"/syscollector/{{agent}}/{k}", 200,
           versions=V4) for k in SYSCOLLECTOR],
    *[Case(f"syscollector-{k}-paged", "GET", f"/syscollector/{{agent_id}}/{k}", f"/syscollector/{{agent}}/{k}", 200,
           params={"limit": 2, "offset": 1, "sort": f"-{SYSCOLLECTOR_SORT[k]}"}, versions=V4)
      for k in SYSCOLLECTOR_SORT],
    Case("syscollector-packages-select", "GET", "/syscollector/{agent_id}/packages", "/syscollector/{agent}/packages", 200,
         params={"select": "name,version", "limit": 3}, versions=V4),
    Case("syscollector-packages-q", "GET", "/syscollector/{agent_id}/packages", "/syscollector/{agent}/packages", 200,
         params={"q": "name~lib", "limit": 3}, versions=V4),
    Case("syscollector-unknown-agent", "GET", "/syscollector/{agent_id}/os", "/syscollector/999/os", 200,
         failed_code=1701, versions=V4),
    Case("syscollector-bad-agent-id", "GET", "/syscollector/{agent_id}/os", "/syscollector/ab/os", 400, versions=V4),
    Case("syscollector-unknown-param", "GET", "/syscollector/{agent_id}/packages", "/syscollector/{agent}/packages", 400,
         params={"foo": "bar"}, versions=V4),
    Case("rules", "GET", "/rules", "/rules", 200, params={"limit": 5}, versions=V4),
    Case("rules-filtered", "GET", "/rules", "/rules", 200,
         params={"level": "10-15", "group": "authentication_failed", "sort": "-level", "limit": 5, "select": "id,level,description"},
         versions=V4),
    Case("rules-q", "GET", "/rules", "/rules", 200, params={"q": "level>12", "limit": 5}, versions=V4),
    Case("rules-ids", "GET", "/rules", "/rules", 200, params={"rule_ids": "5710,5712"}, versions=V4),
    Case("rules-bad-level", "GET", "/rules", "/rules", 400, params={"level": "abc"}, versions=V4),
    Case("rules-files", "GET", "/rules/files", "/rules/files", 200, params={"limit": 5, "sort": "-filename"}, versions=V4),
    Case("rules-file", "GET", "/rules/files/{filename}", "/rules/files/{rule_file}", 200, versions=V4),
    Case("rules-file-raw", "GET", "/rules/files/{filename}", "/rules/files/{rule_file}", 200,
         params={"raw": "true"}, raw=True, versions=V4),
    Case("rules-file-missing", "GET", "/rules/files/{filename}", "/rules/files/nonexistent_rules.xml", 200,
         failed_code=1415, versions=V4),
    Case("rules-groups", "GET", "/rules/groups", "/rules/groups", 200, params={"limit": 10, "search": "auth"}, versions=V4),
    Case("decoders", "GET", "/decoders", "/decoders", 200, params={"limit": 5, "select": "name,filename"}, versions=V4),
    Case("decoders-name", "GET", "/decoders", "/decoders", 200, params={"decoder_names": "sshd"}, versions=V4),
    Case("decoders-file", "GET", "/decoders/files/{filename}", "/decoders/files/{decoder_file}", 200, versions=V4),
    Case("decoders-file-raw", "GET", "/decoders/files/{filename}", "/decoders/files/{decoder_file}", 200,
         params={"raw": "true"}, raw=True, versions=V4),
    Case("decoders-files", "GET", "/decoders/files", "/decoders/files", 200, params={"limit": 5}, versions=V4),
    Case("sca", "GET", "/sca/{agent_id}", "/sca/{agent}", 200, versions=V4),
    Case("sca-checks", "GET", "/sca/{agent_id}/checks/{policy_id}", "/sca/{agent}/checks/{policy}", 200,
         params={"limit": 5}, versions=V4),
    Case("sca-checks-filtered", "GET", "/sca/{agent_id}/checks/{policy_id}", "/sca/{agent}/checks/{policy}", 200,
         params={"result": "failed", "limit": 3, "select": "id,title,result"}, versions=V4),
    Case("sca-unknown-agent", "GET", "/sca/{agent_id}", "/sca/999", 200, failed_code=1701, versions=V4),
    Case("syscheck", "GET", "/syscheck/{agent_id}", "/syscheck/{agent}", 200, params={"limit": 5}, versions=V4),
    Case("syscheck-type", "GET", "/syscheck/{agent_id}", "/syscheck/{agent}", 200,
         params={"type": "file", "limit": 3, "sort": "-file"}, versions=V4),
    Case("syscheck-unknown-agent", "GET", "/syscheck/{agent_id}", "/syscheck/999", 200, failed_code=1701, versions=V4),
    Case("rootcheck", "GET", "/rootcheck/{agent_id}", "/rootcheck/{agent}", 200, params={"limit": 5}, versions=V4),
    Case("rootcheck-unknown-agent", "GET", "/rootcheck/{agent_id}", "/rootcheck/999", 200, failed_code=1701, versions=V4),
    Case("vulnerability", "GET", "/vulnerability/{agent_id}", "/vulnerability/{agent}", 200,
         params={"limit": 5}, versions=("4.7.5",)),
    Case("vulnerability-severity", "GET", "/vulnerability/{agent_id}", "/vulnerability/{agent}", 200,
         params={"severity": "High", "limit": 5}, versions=("4.7.5",)),
    Case("manager-info", "GET", "/manager/info", "/manager/info", 200, versions=V4),
    Case("manager-status", "GET", "/manager/status", "/manager/status", 200, versions=V4),
    Case("manager-configuration", "GET", "/manager/configuration", "/manager/configuration", 200, versions=V4),
    Case("manager-configuration-section", "GET", "/manager/configuration", "/manager/configuration", 200,
         params={"section": "global"}, versions=V4),
    Case("manager-logs", "GET", "/manager/logs", "/manager/logs", 200, params={"limit": 5}, versions=V4),
    Case("manager-logs-filtered", "GET", "/manager/logs", "/manager/logs", 200,
         params={"level": "error", "limit": 5, "sort": "-timestamp"}, versions=V4),
    Case("manager-logs-summary", "GET", "/manager/logs/summary", "/manager/logs/summary", 200, versions=V4),
    Case("manager-stats", "GET", "/manager/stats", "/manager/stats", 200, versions=V4),
    Case("cluster-status", "GET", "/cluster/status", "/cluster/status", 200),
    Case("cluster-healthcheck", "GET", "/cluster/healthcheck", "/cluster/healthcheck", 400),
    Case("mitre-techniques", "GET", "/mitre/techniques", "/mitre/techniques", 200, params={"limit": 3}),
    Case("mitre-tactics", "GET", "/mitre/tactics", "/mitre/tactics", 200, params={"limit": 3}),
    Case("mitre-groups", "GET", "/mitre/groups", "/mitre/groups", 200, params={"limit": 3}),
    Case("groups", "GET", "/groups", "/groups", 200),
    Case("groups-search", "GET", "/groups", "/groups", 200, params={"search": "default", "select": "name,count"}),
    Case("logtest", "PUT", "/logtest", "/logtest", 200,
         body={"event": "Nov 27 10:00:00 host sshd[123]: Failed password for root from 192.168.1.100 port 22 ssh2",
               "log_format": "syslog", "location": "/var/log/auth.log"}, versions=V4),
    Case("logtest-missing-field", "PUT", "/logtest", "/logtest", 400, body={"event": "x"}, versions=V4),
    Case("logtest-analyst", "PUT", "/logtest", "/logtest", 403, user="analyst",
         body={"event": "x", "log_format": "syslog", "location": "y"}, versions=V4),
    Case("restart-agent", "PUT", "/agents/{agent_id}/restart", "/agents/{active_agent}/restart", 200),
    Case("restart-unknown-agent", "PUT", "/agents/{agent_id}/restart", "/agents/999/restart", 200, failed_code=1701),
    Case("restart-manager-id", "PUT", "/agents/{agent_id}/restart", "/agents/000/restart", 200, failed_code=1703,
         needs=("manager",)),
    Case("restart-analyst", "PUT", "/agents/{agent_id}/restart", "/agents/001/restart", 403, user="analyst"),
    Case("restart-bad-id", "PUT", "/agents/{agent_id}/restart", "/agents/1x/restart", 400),
    Case("active-response", "PUT", "/active-response", "/active-response", 200,
         params={"agents_list": "{active_agent}"}, body={"command": "!restart-wazuh"}, versions=V4),
    Case("active-response-unknown-agent", "PUT", "/active-response", "/active-response", 200,
         params={"agents_list": "999"}, body={"command": "!restart-wazuh"}, failed_code=1701, versions=V4),
    Case("active-response-no-command", "PUT", "/active-response", "/active-response", 400,
         params={"agents_list": "{active_agent}"}, body={}, versions=V4),
    Case("active-response-analyst", "PUT", "/active-response", "/active-response", 403, user="analyst",
         body={"command": "!restart-wazuh"}, versions=V4),
    Case("revoke-analyst", "PUT", "/security/user/revoke", "/security/user/revoke", 403, user="analyst"),
    # Last: revokes every token of the simulator (tests log in afresh).
    Case("revoke", "PUT", "/security/user/revoke", "/security/user/revoke", 200),
]  # fmt: skip

# Operations the brief lists as implemented: every case must name one of them, and each of them
# must have at least one case (checked by test_every_implemented_operation_is_covered).
IMPLEMENTED = {(c.method, c.template) for c in CASES}


class MissingData(Exception):
    """The simulated world lacks what a case needs (e.g. no agents yet)."""


class World:
    """Looks up the concrete values of the placeholders, once per simulator."""

    def __init__(self, sim):
        self.sim = sim
        self.cache: dict[str, str] = {}

    def _get(self, path, **params):
        # a fresh token each time: other tests revoke every token
        r = self.sim.request("GET", path, self.sim.login("wazuh"), params=params)
        if r.status_code != 200:
            raise MissingData(f"GET {path} answered {r.status_code}")
        return r.json()["data"]["affected_items"]

    def value(self, name: str) -> str:
        if name not in self.cache:
            self.cache[name] = self._lookup(name)
        return self.cache[name]

    def _lookup(self, name: str) -> str:
        if name in ("agent", "active_agent"):
            items = self._get("/agents", q="id!=000;status=active", limit=1, select="id")
            if not items and name == "agent":
                items = self._get("/agents", q="id!=000", limit=1, select="id")
            if not items:
                raise MissingData("the simulated world has no (active) agent besides 000 yet")
            return items[0]["id"]
        if name == "manager":
            if not self._get("/agents", agents_list="000", select="id"):
                raise MissingData("the simulated world has no agent 000 (the manager) yet")
            return "000"
        if name == "policy":
            items = self._get(f"/sca/{self.value('agent')}")
            if not items:
                raise MissingData(f"agent {self.value('agent')} has no SCA policy in the simulated world yet")
            return items[0]["policy_id"]
        if name in ("rule_file", "decoder_file"):
            items = self._get("/rules/files" if name == "rule_file" else "/decoders/files", limit=1)
            if not items:
                raise MissingData(f"no {name} in the simulated world")
            return items[0]["filename"]
        raise KeyError(name)

    def fill(self, text: str) -> str:
        for name in ("agent", "active_agent", "policy", "rule_file", "decoder_file"):
            if "{" + name + "}" in text:
                text = text.replace("{" + name + "}", self.value(name))
        return text


@pytest.fixture(scope="session")
def world(sim):
    return World(sim)


def send(sim, world: World, case: Case):
    for need in case.needs:
        world.value(need)
    path = world.fill(case.path)
    params = {k: world.fill(str(v)) for k, v in case.params.items()}
    token = None
    auth = None
    if case.user in ("wazuh", "analyst"):
        token = sim.login(case.user)
    elif case.user == "revoked":
        token = sim.login("wazuh")
        r = sim.request("PUT", "/security/user/revoke", token)
        assert r.status_code == 200, r.text
    elif case.user == "garbage":
        token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YXp1aCJ9.bm90LWEtc2lnbmF0dXJl"
    elif case.user == "basic":
        auth = ("wazuh", "wazuh")
    elif case.user == "badpass":
        auth = ("wazuh", "not-the-password")
    return sim.request(case.method, path, token, params=params, json_body=case.body, auth=auth)


def check_response(spec: Spec, method: str, template: str, r, raw: bool = False) -> Any:
    """Asserts status, Content-Type and body against the spec; returns the parsed body."""
    listed = spec.statuses(method, template)
    resp = spec.response(method, template, r.status_code)
    assert resp is not None, (
        f"{method} {template}: status {r.status_code} is not one the spec lists ({listed}); body: {r.text[:300]}"
    )
    ct = media_type(r)
    allowed = list(resp.content_types)
    if r.status_code >= 400:
        allowed.append(PROBLEM_JSON)  # see PROBLEM_JSON: the spec's error media type is stale
    assert ct in allowed, f"Content-Type {ct!r} not in {allowed} for {r.status_code}"
    if ct not in ("application/json", PROBLEM_JSON):
        assert not raw or r.text.strip(), "empty raw body"
        return r.text
    body = r.json()
    schema = resp.schemas.get("application/json")
    if schema is not None:
        errors = spec.schema_errors(schema, body)
        assert not errors, f"body does not match the {resp.status} schema:\n" + "\n".join(errors[:20])
    return body


# Fields the real framework returns although the spec's item schema does not declare them.
# Each entry: (item schema description) -> {field: reason}.
_RULE_FIELDS = {
    f: "the Rule schema declares `pci` and `nist-800-53` but framework/wazuh/core/rule.py returns "
    "`pci_dss`, `nist_800_53` and `mitre` (upstream test_rule_endpoints.tavern.yaml expects them)"
    for f in ("pci_dss", "nist_800_53", "mitre")
}
UNDECLARED_OK: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/rules"): _RULE_FIELDS,
}


def check_items(spec: Spec, method: str, template: str, body: Any) -> None:
    """The deeper check: `data.affected_items[]` has a specific item schema in the spec, every
    item matches it on its own, and carries no field the schema does not declare."""
    resp = spec.response(method, template, 200)
    schema = resp.schemas.get("application/json") if resp else None
    item_schema = spec.affected_item_schema(schema) if schema else None
    items = body.get("data", {}).get("affected_items") if isinstance(body, dict) else None
    if item_schema is None or items is None:
        return
    declared = spec.declared_properties(item_schema)
    allowed = UNDECLARED_OK.get((method, template), {})
    for i, item in enumerate(items[:50]):
        errors = spec.schema_errors(item_schema, item)
        assert not errors, f"affected_items[{i}] does not match its item schema:\n" + "\n".join(errors[:10])
        if declared is not None and isinstance(item, dict):
            extra = sorted(set(item) - declared - set(allowed))
            if extra:
                # Reported, not failed: the spec's item schemas lag the framework (e.g. syscheck
                # `attributes`/`type`, SCA `hash_file`/`invalid`/`total_checks`, agents `manager`,
                # netaddr `scan` are returned by real managers and absent from the schemas).
                warnings.warn(f"{method} {template}: affected_items[{i}] has fields the spec does not declare: {extra}")
                break


# Known simulator discrepancies: (case id, version or "*") -> reason. Each is an
# xfail(strict=True): when the simulator is fixed the test XPASSes and fails, so remove it here.
XFAIL: dict[tuple[str, str], str] = {
}


def _params():
    out = []
    for case in CASES:
        marks = []
        reason = XFAIL.get((case.id, "*"))
        if reason:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_operation(sim, spec, world, api_version, case: Case, request):
    if api_version not in case.versions:
        pytest.skip(f"{case.method} {case.template} is not tested in {api_version}")
    reason = XFAIL.get((case.id, api_version))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    assert spec.has(case.method, case.template), (
        f"{case.method} {case.template} is not in the {api_version} spec"
    )
    try:
        r = send(sim, world, case)
    except MissingData as e:
        pytest.skip(str(e))
    assert r.status_code == case.status, (
        f"{case.method} {r.request.path_url}: expected {case.status}, got {r.status_code}: {r.text[:400]}"
    )
    body = check_response(spec, case.method, case.template, r, raw=case.raw)
    if case.raw:
        assert media_type(r) != "application/json", "raw=true must not answer JSON"
        return
    if r.status_code == 200:
        check_items(spec, case.method, case.template, body)
    if case.failed_code is not None:
        failed = body["data"]["failed_items"]
        assert failed and failed[0]["error"]["code"] == case.failed_code, json.dumps(body)[:500]
        assert body["error"] in (1, 2), body
    elif r.status_code == 200 and isinstance(body, dict) and "error" in body:
        assert body["error"] == 0, f"unexpected partial failure: {json.dumps(body)[:500]}"


def test_root_reports_the_spec_version(sim, spec, api_version, request):
    """`GET /` answers the spec's info.version and info.x-revision, as default_info() does."""
    reason = XFAIL.get(("root-revision", api_version))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    r = sim.request("GET", "/", sim.login("wazuh"))
    data = check_response(spec, "GET", "/", r)["data"]
    info = spec.doc["info"]
    assert (data["api_version"], data["revision"]) == (info["version"], info["x-revision"])


def test_every_implemented_operation_is_covered():
    """The cases name each implemented operation, and only spec operations."""
    spec = Spec("4.14.7")
    old = Spec("4.7.5")
    for method, template in IMPLEMENTED:
        assert spec.has(method, template) or old.has(method, template), (method, template)


@pytest.mark.parametrize("method,template", sorted(IMPLEMENTED))
def test_operations_absent_from_the_spec_answer_404(sim, spec, api_version, method, template):
    """An operation the simulated version's spec lacks is not served (e.g. /rules in 5.0)."""
    if spec.has(method, template):
        pytest.skip(f"{method} {template} is in the {api_version} spec")
    token = sim.login("wazuh")
    path = template.replace("{agent_id}", "001").replace("{policy_id}", "x").replace("{filename}", "x.xml")
    r = sim.request(method, path, token)
    assert r.status_code in (404, 405), f"{method} {path} in {api_version}: {r.status_code} {r.text[:200]}"
    assert media_type(r) in ("application/json", PROBLEM_JSON)


@pytest.mark.versions("4.14.7")
def test_expired_token(api_version):
    """A token past its lifetime answers 401 "Token expired"-style problem; checked on a
    simulator with a 1-second token lifetime, polling (bounded) until the token lapses."""
    import time

    for sim in start_sim(api_version, "--token-ttl", "1"):
        spec = Spec(api_version)
        token = sim.login("wazuh")
        r = sim.request("GET", "/agents", token, params={"limit": 1})
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = sim.request("GET", "/agents", token, params={"limit": 1})
            if r.status_code != 200:
                break
            time.sleep(0.2)
        assert r.status_code == 401, f"token never expired: {r.status_code} {r.text[:200]}"
        body = check_response(spec, "GET", "/agents", r)
        assert body["title"] == "Unauthorized", body


@pytest.mark.versions("4.14.7")
def test_fault_expire_tokens(sim, spec, api_version):
    """The simulator's "expire all tokens" fault makes existing tokens answer a 401 problem."""
    token = sim.login("wazuh")
    sim.faults(expire_tokens=True)
    r = sim.request("GET", "/agents", token, params={"limit": 1})
    assert r.status_code == 401, r.text
    body = check_response(spec, "GET", "/agents", r)
    assert body["detail"] in ("Invalid token", "Token expired"), body
