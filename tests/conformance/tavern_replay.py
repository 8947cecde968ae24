"""Replays upstream Wazuh's Tavern API tests (examples/*.tavern.yaml of the reference dir)
against the simulator: loading (Tavern's YAML tags, anchors, merge keys, `{var}` formatting),
which stages are covered and why the others are not, and the response matcher.

Run as a script to regenerate docs/conformance.md:
    .venv/bin/python tests/conformance/tavern_replay.py --write
"""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wazuh_conformance import REPO_ROOT, Spec, _NoDatesLoader, reference_dir  # noqa: E402

DOCS = REPO_ROOT / "docs" / "conformance.md"
VERSION = "4.14.7"  # the tavern files come from wazuh/wazuh v4.14.7

# Whole files that are not replayed, and why.
SKIPPED_FILES = {
    "test_cluster_endpoints.tavern.yaml": "cluster endpoints: the simulator is a standalone manager "
    "(cluster disabled), upstream's environment is a 3-node cluster",
    "test_rbac_black_agent_endpoints.tavern.yaml": "expects the RBAC black-list policies upstream "
    "installs for its test user; the simulator seeds its own roles (administrator, readonly, "
    "group-restricted readers) and checks their denials in crates/wazuh-sim/tests/integration/rbac.rs",
    "test_security_POST_endpoints.tavern.yaml": "security administration (creating users, roles, "
    "policies, rules) is not simulated; run_as login is, and is tested in "
    "crates/wazuh-sim/tests/integration/rbac.rs",
}

# Operations not replayed although the simulator implements them, and why.
SKIPPED_OPERATIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Wildcard:
    """A Tavern `!any*` tag."""

    kind: str  # str, int, float, bool, list, dict, thing

    def accepts(self, value: Any) -> bool:
        return {
            "str": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "float": lambda v: isinstance(v, float),
            "bool": lambda v: isinstance(v, bool),
            "list": lambda v: isinstance(v, list),
            "dict": lambda v: isinstance(v, dict),
            "thing": lambda v: True,
        }[self.kind](value)

    def __repr__(self):
        return f"!any{self.kind}"


@dataclass(frozen=True)
class Converted:
    """`!int "{x}"` / `!float "{x}"`: formatted, then converted."""

    kind: str
    text: str


@dataclass(frozen=True)
class Unsupported:
    """`!custom`, `!force_format_include`: needs Tavern's own machinery."""

    tag: str
    value: Any


class TavernLoader(_NoDatesLoader):
    """Tavern's YAML: its tags, and anchors that carry over to the later documents of a file."""

    def compose_document(self):
        self.get_event()  # DocumentStart
        node = self.compose_node(None, None)
        self.get_event()  # DocumentEnd
        return node  # self.anchors is kept, unlike yaml.composer.Composer


for _tag, _kind in [("anystr", "str"), ("anyint", "int"), ("anyfloat", "float"), ("anybool", "bool"),
                    ("anylist", "list"), ("anydict", "dict"), ("anything", "thing")]:  # fmt: skip
    TavernLoader.add_constructor(f"!{_tag}", lambda loader, node, k=_kind: Wildcard(k))
for _tag in ("int", "float"):
    TavernLoader.add_constructor(
        f"!{_tag}", lambda loader, node, k=_tag: Converted(k, loader.construct_scalar(node))
    )
for _tag in ("!custom", "!force_format_include"):
    TavernLoader.add_multi_constructor(
        _tag, lambda loader, suffix, node, t=_tag: Unsupported(t, None)
    )
    TavernLoader.add_constructor(_tag, lambda loader, node, t=_tag: Unsupported(t, None))


def examples_dir() -> Path:
    return reference_dir() / "examples"


def load_file(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.load_all(f, Loader=TavernLoader) if doc and "stages" in doc]


def common_variables() -> dict:
    with open(examples_dir() / "common.yaml", encoding="utf-8") as f:
        return yaml.load(f, Loader=TavernLoader)["variables"]


def tavern_files() -> list[Path]:
    return sorted(examples_dir().glob("*.tavern.yaml"))


# ---- which operation a stage calls ----------------------------------------------------------


_TEMPLATES: dict[str, list[tuple[re.Pattern, str]]] = {}


def operation_of(version: str, method: str, path: str) -> tuple[str, str] | None:
    """(METHOD, spec template) of a concrete request path, literal segments preferred."""
    if version not in _TEMPLATES:
        spec = Spec(version)
        entries = []
        for template in spec.doc["paths"]:
            rx = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
            entries.append((re.compile(rx), template))
        # fewer parameters first: /agents/summary beats /agents/{agent_id}
        entries.sort(key=lambda e: (e[1].count("{"), -len(e[1])))
        _TEMPLATES[version] = entries
    for rx, template in _TEMPLATES[version]:
        if rx.match(path) and Spec(version).has(method, template):
            return method.upper(), template
    return None


def implemented_operations() -> set[tuple[str, str]]:
    from test_spec_responses import IMPLEMENTED

    return IMPLEMENTED


@dataclass
class Stage:
    index: int
    name: str
    request: dict
    response: dict
    method: str
    path: str  # formatted with the common variables where possible (for classification)
    skip: str | None = None  # why it is not replayed; None = covered


@dataclass
class TavernTest:
    file: str
    index: int
    name: str
    stages: list[Stage] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.tavern.yaml')}#{self.index}"

    @property
    def covered(self) -> list[Stage]:
        return [s for s in self.stages if s.skip is None]


class _Partial(string.Formatter):
    """Formats what it can, leaving unknown fields as they are."""

    def get_value(self, key, args, kwargs):
        if key in kwargs:
            return kwargs[key]
        raise KeyError(key)


def url_path(url: str) -> str:
    m = re.match(r"^\{protocol:s\}://\{host:s\}:\{[a-z_]+:d\}(/[^?]*)?", url)
    return (m.group(1) or "/") if m else url


def classify(file: str, stage: dict, variables: dict) -> tuple[str, str, str | None]:
    request = stage.get("request") or {}
    method = str(request.get("method", "GET")).upper()
    path = url_path(str(request.get("url", "")))
    try:
        path = path.format(**variables)
    except (KeyError, IndexError, ValueError):
        pass
    if "{" in path:
        return method, path, "URL depends on a value saved by an earlier stage"
    if any(k in stage for k in ("$ext",)) or "$ext" in (request or {}):
        return method, path, "uses a Tavern extension function"
    if any(isinstance(v, Unsupported) for v in _walk(stage)):
        return method, path, "uses !custom / !force_format_include"
    op = operation_of(VERSION, method, path)
    if op is None:
        return method, path, f"{method} {path} is not an operation of the {VERSION} spec"
    if op in SKIPPED_OPERATIONS:
        return method, path, SKIPPED_OPERATIONS[op]
    if op not in implemented_operations():
        return method, path, f"{op[0]} {op[1]} is not simulated"
    return method, path, None


def _walk(obj):
    yield obj
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def load_tests() -> list[TavernTest]:
    variables = common_variables()
    tests = []
    for path in tavern_files():
        for i, doc in enumerate(load_file(path)):
            test = TavernTest(path.name, i, doc.get("test_name", f"#{i}"))
            for j, stage in enumerate(doc.get("stages") or []):
                if "type" in stage and "request" not in stage:
                    continue  # a reference to an included stage
                method, spath, skip = classify(path.name, stage, variables)
                if path.name in SKIPPED_FILES:
                    skip = SKIPPED_FILES[path.name]
                test.stages.append(
                    Stage(j, stage.get("name", f"stage {j}"), stage.get("request") or {},
                          stage.get("response") or {}, method, spath, skip)
                )  # fmt: skip
            tests.append(test)
    return tests


# ---- matching ---------------------------------------------------------------------------------

# Keys whose expected values do not depend on upstream's environment (agents, files, dates):
# they are compared exactly; everything else is compared by shape (keys and types).
CONCRETE_KEYS = {"error", "code", "title", "detail"}


@dataclass
class Mismatch:
    path: str
    what: str
    data: bool = False  # explained by the simulated data, not by the simulator's behaviour

    def __str__(self):
        return f"{self.path or '<root>'}: {self.what}" + (" [data]" if self.data else "")


def match(expected: Any, actual: Any, path: str = "", saved_values: frozenset = frozenset()) -> list[Mismatch]:
    """Tavern's non-strict JSON check (expected keys must exist; extra keys are allowed),
    comparing values by type except for CONCRETE_KEYS and values formatted from saved ones."""
    out: list[Mismatch] = []
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if isinstance(expected, Wildcard):
        if not expected.accepts(actual):
            out.append(Mismatch(path, f"expected {expected!r}, got {type(actual).__name__} {actual!r:.80}"))
        return out
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(path, f"expected an object, got {type(actual).__name__} {actual!r:.80}")]
        for k, v in expected.items():
            sub = f"{path}.{k}" if path else str(k)
            if k not in actual:
                out.append(Mismatch(sub, "missing key"))
            else:
                out.extend(match(v, actual[k], sub, saved_values))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(path, f"expected a list, got {type(actual).__name__} {actual!r:.80}")]
        if len(actual) < len(expected):
            out.append(Mismatch(path, f"{len(expected)} items expected, {len(actual)} returned", data=True))
        elif expected == [] and actual:
            out.append(Mismatch(path, f"empty list expected, {len(actual)} items returned", data=True))
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(match(e, a, f"{path}[{i}]", saved_values))
        return out
    # a scalar
    if expected is None:
        if actual is not None:
            out.append(Mismatch(path, f"expected null, got {actual!r:.80}"))
        return out
    if isinstance(expected, bool) or not isinstance(actual, (str, int, float, bool)) or (
        isinstance(expected, (int, float)) and isinstance(actual, bool)
    ):
        same_type = type(expected) is type(actual)
    else:
        same_type = isinstance(actual, type(expected)) or (
            isinstance(expected, float) and isinstance(actual, int)
        )
    if not same_type:
        out.append(Mismatch(path, f"expected {type(expected).__name__} {expected!r:.60}, got {type(actual).__name__} {actual!r:.60}"))
    elif (key in CONCRETE_KEYS or expected in saved_values) and expected != actual:
        out.append(Mismatch(path, f"expected {expected!r:.100}, got {actual!r:.100}"))
    return out


def format_value(value: Any, variables: dict) -> Any:
    """Tavern's `{var}` formatting of strings (recursively), `!int`/`!float` conversion."""
    if isinstance(value, str):
        if "{" not in value:
            return value
        whole = re.fullmatch(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", value)
        if whole and whole.group(1) in variables and not isinstance(variables[whole.group(1)], str):
            return variables[whole.group(1)]
        return value.format(**variables)
    if isinstance(value, Converted):
        text = value.text.format(**variables)
        return int(text) if value.kind == "int" else float(text)
    if isinstance(value, dict):
        return {k: format_value(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [format_value(v, variables) for v in value]
    return value


def extract(body: Any, dotted: str) -> Any:
    """`data.affected_items[1].description` from a JSON body."""
    current = body
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        if part.startswith("["):
            current = current[int(part[1:-1])]
        else:
            current = current[part]
    return current


# ---- docs/conformance.md --------------------------------------------------------------------


def render_docs() -> str:
    tests = load_tests()
    lines = [
        "# Conformance of the simulator",
        "",
        "Generated by `tests/conformance/tavern_replay.py --write`; do not edit by hand.",
        "",
        "`tests/conformance/run.sh` runs three suites against `wazuh-mcp sim` for API 4.14.7, "
        "4.7.5 and 5.0.0:",
        "",
        "- `test_spec_responses.py`: every simulated operation, valid and error requests, checked "
        "against the status codes, Content-Type and response schemas of the version's OpenAPI spec;",
        "- `test_schemathesis.py`: schemathesis (fixed seed, bounded examples) on the implemented "
        "4.14.7 GET operations and `PUT /logtest`;",
        "- `test_tavern_replay.py`: the upstream Tavern integration tests (wazuh/wazuh v4.14.7 "
        "`api/test/integration`) replayed against 4.14.7, as listed below.",
        "",
        "A replayed stage must answer the expected status code and JSON shape (keys and types, "
        "Tavern wildcards honoured; extra keys allowed as in Tavern's non-strict mode). Values are "
        "compared exactly only where they do not depend on upstream's docker environment: "
        f"the keys {', '.join(f'`{k}`' for k in sorted(CONCRETE_KEYS))} and values saved from "
        "earlier stages. Where the simulated data cannot answer like upstream's environment "
        "(fewer items, other agents), the stage is skipped at run time with that reason; "
        "`verify_response_with` functions (sort/select checks) and delays are not replayed.",
        "",
    ]
    covered = [(t, s) for t in tests for s in t.stages if s.skip is None]
    skipped = [(t, s) for t in tests for s in t.stages if s.skip is not None]
    lines += [
        f"Stages: {len(covered)} replayed, {len(skipped)} not replayed, in {len(tests)} tests of "
        f"{len(tavern_files())} files.",
        "",
        "## Files",
        "",
        "| file | tests | stages replayed | stages not replayed |",
        "|---|---:|---:|---:|",
    ]
    for path in tavern_files():
        ts = [t for t in tests if t.file == path.name]
        c = sum(len(t.covered) for t in ts)
        n = sum(len(t.stages) for t in ts)
        lines.append(f"| {path.name} | {len(ts)} | {c} | {n - c} |")
    lines += ["", "## Files not replayed", ""]
    for name, why in sorted(SKIPPED_FILES.items()):
        lines.append(f"- `{name}`: {why}")
    lines += ["", "## Replayed stages", ""]
    for path in tavern_files():
        ts = [t for t in tests if t.file == path.name and t.covered]
        if not ts:
            continue
        lines += [f"### {path.name}", ""]
        for t in ts:
            lines.append(f"- `{t.id}` {t.name}")
            for s in t.covered:
                lines.append(f"  - {s.name} (`{s.method} {s.path}`)")
        lines.append("")
    lines += ["## Stages not replayed, by reason", ""]
    reasons: dict[str, list[str]] = {}
    for t, s in skipped:
        if t.file in SKIPPED_FILES:
            continue
        reasons.setdefault(s.skip, []).append(f"`{t.id}` {s.name}")
    for why in sorted(reasons):
        lines.append(f"- {why} ({len(reasons[why])}):")
        for entry in reasons[why]:
            lines.append(f"  - {entry}")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    text = render_docs()
    if "--write" in sys.argv:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS.relative_to(REPO_ROOT)}")
    else:
        sys.stdout.write(text)
