"""Shared helpers of the conformance suite: where the reference files are, the OpenAPI specs
of each simulated Wazuh version, response validation against them, and a small HTTP client.

The specs are read from the reference directory (env `WAZUH_DATA_DIR`, or an ancestor's
`shared/wazuh`); they are never copied into the repository.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_schema_validator import OAS30Validator

REPO_ROOT = Path(__file__).resolve().parents[2]

VERSIONS = ("4.14.7", "4.7.5", "5.0.0")
SPEC_FILES = {
    "4.14.7": "api-spec-4.14.7.yaml",
    "4.7.5": "api-spec-4.7.5.yaml",
    "5.0.0": "api-spec-5.0.0-beta4.yaml",
}

# Error answers of the real API are connexion "problem" documents: the framework sends them as
# `application/problem+json` (see the reference README: "401 with application/problem+json"),
# while every spec declares `application/json` for them. We accept both for error statuses.
PROBLEM_JSON = "application/problem+json"


def reference_dir() -> Path:
    """The Wazuh reference directory: `$WAZUH_DATA_DIR`, else the nearest ancestor's `shared/wazuh`."""
    env = os.environ.get("WAZUH_DATA_DIR")
    if env:
        path = Path(env)
        if not (path / SPEC_FILES["4.14.7"]).is_file():
            raise RuntimeError(f"WAZUH_DATA_DIR={env} does not hold {SPEC_FILES['4.14.7']}")
        return path
    for ancestor in [REPO_ROOT, *REPO_ROOT.parents]:
        candidate = ancestor / "shared" / "wazuh"
        if (candidate / SPEC_FILES["4.14.7"]).is_file():
            return candidate
    raise RuntimeError(
        "Wazuh reference directory not found: set WAZUH_DATA_DIR to the directory holding "
        "api-spec-4.14.7.yaml (the shared/wazuh reference material), or place it at "
        "<some ancestor of the repo>/shared/wazuh"
    )


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings (the specs' examples hold many)."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_NoDatesLoader)


# Where a spec schema is stale relative to the framework code (which is what a real manager
# answers, see examples/README.md), the loaded spec is corrected in memory, here and only here.
# Each entry: (versions, path of keys into the spec, new value, why).
SPEC_CORRECTIONS: list[tuple[tuple[str, ...], tuple[str, ...], Any, str]] = [
    (
        ("4.7.5",),
        ("components", "schemas", "BasicInfo", "properties", "revision"),
        {"type": "string", "description": "API revision"},
        "4.7.5's default_info() returns info['x-revision'] of spec.yaml, a string ('40720'); "
        "the schema says integer (4.8+ specs say string; the 4.7.5 example itself is '40100')",
    ),
    (
        ("4.14.7", "4.7.5", "5.0.0"),
        ("paths", "/", "get", "responses"),
        {
            "200": "KEEP",
            "400": {"$ref": "#/components/responses/ResponseError"},
            "401": {"$ref": "#/components/responses/UnauthorizedResponse"},
        },
        "GET / lists only 200, but connexion's strict validation and the JWT security of the "
        "API apply to it as to every operation: an unknown parameter answers 400, no token 401",
    ),
]


@functools.lru_cache(maxsize=None)
def load_spec(version: str) -> dict:
    doc = load_yaml(reference_dir() / SPEC_FILES[version])
    for versions, keys, value, _why in SPEC_CORRECTIONS:
        if version in versions:
            target = doc
            for key in keys[:-1]:
                target = target[key]
            if isinstance(value, dict) and "KEEP" in value.values():
                value = {k: (target[keys[-1]][k] if v == "KEEP" else v) for k, v in value.items()}
            target[keys[-1]] = value
    return doc


def tool_spec(version: str, operations: set[tuple[str, str]]) -> dict:
    """The corrected spec restricted to `operations` ((METHOD, template) pairs), with
    `application/problem+json` added beside `application/json` on the shared error responses
    (what the real API sends them as, see PROBLEM_JSON): for tools that read a spec file."""
    doc = copy.deepcopy(load_spec(version))
    paths = {}
    for template, item in doc["paths"].items():
        ops = {m: op for m, op in item.items() if (m.upper(), template) in operations}
        if ops:
            if "parameters" in item:
                ops["parameters"] = item["parameters"]
            paths[template] = ops
    doc["paths"] = paths
    for response in doc["components"]["responses"].values():
        content = response.get("content", {})
        if "application/json" in content:
            content[PROBLEM_JSON] = content["application/json"]
    return doc


def spec_path(version: str) -> Path:
    return reference_dir() / SPEC_FILES[version]


def resolve(spec: dict, obj: Any) -> Any:
    """Follows local `$ref`s until a non-reference object."""
    for _ in range(32):
        if not (isinstance(obj, dict) and "$ref" in obj):
            return obj
        target: Any = spec
        for part in obj["$ref"].lstrip("#/").split("/"):
            target = target[part]
        obj = target
    raise ValueError("reference loop")


@dataclass
class ResponseSpec:
    status: str
    content_types: list[str]
    schemas: dict[str, Any] = field(default_factory=dict)


class Spec:
    """One OpenAPI spec with the lookups the tests need."""

    def __init__(self, version: str):
        self.version = version
        self.doc = load_spec(version)

    def operation(self, method: str, template: str) -> dict | None:
        item = self.doc["paths"].get(template)
        if not item:
            return None
        return item.get(method.lower())

    def has(self, method: str, template: str) -> bool:
        return self.operation(method, template) is not None

    def statuses(self, method: str, template: str) -> list[str]:
        op = self.operation(method, template)
        return sorted(op["responses"]) if op else []

    def response(self, method: str, template: str, status: int) -> ResponseSpec | None:
        op = self.operation(method, template)
        if op is None:
            return None
        responses = op["responses"]
        key = next(
            (k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None
        )
        if key is None:
            return None
        resp = resolve(self.doc, responses[key])
        content = resp.get("content") or {}
        schemas = {ct: (body or {}).get("schema") for ct, body in content.items()}
        return ResponseSpec(key, list(content), schemas)

    def validator(self, schema: Any) -> OAS30Validator:
        """A validator of OpenAPI 3.0 schemas (`nullable`, `readOnly`, ...) whose `$ref`s resolve
        against this spec's components."""
        root = dict(copy.deepcopy(schema)) if isinstance(schema, dict) else {}
        root["components"] = self.doc["components"]
        return OAS30Validator(root)

    def schema_errors(self, schema: Any, instance: Any) -> list[str]:
        errors = sorted(self.validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in errors]

    def component(self, name: str) -> dict:
        return self.doc["components"]["schemas"][name]

    def affected_item_schema(self, schema: Any) -> Any | None:
        """The schema of `data.affected_items[]` in a 200 response schema, or None."""
        data = self._property(schema, "data")
        if data is None:
            return None
        items = self._property(data, "affected_items")
        if items is None:
            return None
        items = resolve(self.doc, items)
        return items.get("items")

    def _property(self, schema: Any, name: str) -> Any | None:
        schema = resolve(self.doc, schema)
        if not isinstance(schema, dict):
            return None
        found = schema.get("properties", {}).get(name)
        for part in schema.get("allOf", []):
            # a later allOf part refines an earlier one (e.g. AllItemsResponse + affected_items)
            sub = self._property(part, name)
            if sub is not None:
                found = sub
        return found

    def declared_properties(self, schema: Any) -> set[str] | None:
        """Names of the properties an object schema declares (through allOf), None if open."""
        schema = resolve(self.doc, schema)
        if not isinstance(schema, dict):
            return None
        names: set[str] = set()
        open_ended = False
        if "allOf" in schema:
            for part in schema["allOf"]:
                sub = self.declared_properties(part)
                if sub is None:
                    open_ended = True
                else:
                    names |= sub
        if "properties" in schema:
            names |= set(schema["properties"])
        elif "allOf" not in schema:
            open_ended = True
        if schema.get("additionalProperties") not in (None, False):
            open_ended = True
        return None if open_ended else names


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


@dataclass
class Sim:
    """A running simulator."""

    version: str
    manager_url: str
    indexer_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def login(self, user: str = "wazuh", password: str | None = None) -> str:
        password = password if password is not None else user
        r = self.session.post(
            f"{self.manager_url}/security/user/authenticate",
            params={"raw": "true"},
            auth=(user, password),
            timeout=10,
        )
        r.raise_for_status()
        return r.text.strip()

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        params: Any = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict | None = None,
        auth: Any = None,
    ) -> requests.Response:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return self.session.request(
            method,
            f"{self.manager_url}{path}",
            params=params,
            json=json_body,
            data=data,
            headers=h,
            auth=auth,
            timeout=30,
        )

    def faults(self, **spec: Any) -> None:
        r = self.session.post(f"{self.manager_url}/__sim/faults", json=spec, timeout=10)
        r.raise_for_status()

    def agent_ids(self, token: str, **filters: str) -> list[str]:
        r = self.request("GET", "/agents", token, params={"select": "id", "limit": 100000, **filters})
        r.raise_for_status()
        return [a["id"] for a in r.json()["data"]["affected_items"]]


URL_LINE = re.compile(r"^\s*(manager API|indexer):\s+(https?://\S+)")
