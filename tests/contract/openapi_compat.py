"""Compares two OpenAPI 3.1 documents of the gateway API, the released one and the current
one, and lists what changed as a client sees it (docs/api-changes.md, the policy).

A change is *breaking* when a client written against the released document can fail
against the current one:
* input (parameters, request bodies; the client writes, the server reads) accepts less: a
  removed field or parameter, a narrowed type, an added or tightened pattern, maxLength,
  minLength, minimum/maximum, enum, const or format, a new required field, parameter or body;
* output (responses; the server writes, the client reads) can hold something new: a removed
  field, a field made optional or nullable, a widened type, new enum values (clients switch
  on them);
* a removed operation, response status, response content type or response header; an
  operation that needs a token where it needed none.
Everything else (descriptions, examples, titles, new optional input, new output fields, new
operations, new responses) is not breaking and is listed as an addition or a note.

Each change has a ``where`` (``POST /api/v1/bookings request body .contact_phone``) and a
``what`` (``pattern-added``): the two keys a recorded, accepted breaking change names.
``$ref``s are followed inside each document. Path templates are compared with their
parameter names ignored (``/bookings/{id}`` is ``/bookings/{booking_id}``).
"""
from __future__ import annotations

import fnmatch
import sys
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PARAM = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True, order=True)
class Change:
    where: str
    what: str
    breaking: bool
    detail: str = ""

    def line(self) -> str:
        mark = "BREAKING" if self.breaking else "ok"
        return f"{mark:8} {self.where}: {self.what}" + (f" ({self.detail})" if self.detail else "")


class _Doc:
    """One document with its $refs followed (local refs only: the gateway's is one file)."""

    def __init__(self, document: dict[str, Any]):
        self.document = document

    def resolve(self, node: Any) -> Any:
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            # siblings of $ref (3.1 allows them) win over the target's own keys; without any
            # the target itself is returned, so that its identity marks a cycle
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings else target
        return node

    def operations(self) -> dict[tuple[str, str], tuple[str, dict[str, Any], list[Any]]]:
        """(METHOD, normalised path) -> (path as written, operation, path-level parameters)."""
        ops = {}
        for path, item in self.document.get("paths", {}).items():
            item = self.resolve(item)
            for method in METHODS:
                if method in item:
                    ops[(method.upper(), _PARAM.sub("{}", path))] = (path, item[method], item.get("parameters", []))
        return ops


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` (released) to ``new`` (current), sorted."""
    return sorted(set(_Comparer(_Doc(old), _Doc(new)).run()))


def breaking(changes: Iterable[Change]) -> list[Change]:
    return [c for c in changes if c.breaking]


class _Comparer:
    def __init__(self, old: _Doc, new: _Doc):
        self.old, self.new = old, new
        self.out: list[Change] = []
        self._active: set[tuple[str, int, int]] = set()  # schema pairs being compared (cycles)

    def add(self, where: str, what: str, is_breaking: bool, detail: str = "") -> None:
        self.out.append(Change(where, what, is_breaking, detail))

    def run(self) -> list[Change]:
        old_ops, new_ops = self.old.operations(), self.new.operations()
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add(f"{key[0]} {old_ops[key][0]}", "operation-removed", True)
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add(f"{key[0]} {new_ops[key][0]}", "operation-added", False)
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(f"{key[0]} {new_ops[key][0]}", old_ops[key], new_ops[key])
        return self.out

    # ---- operations -------------------------------------------------------------------
    def operation(self, where: str, old: tuple, new: tuple) -> None:
        (o_path, o_op, o_common), (n_path, n_op, n_common) = old, new
        if not _needs_auth(self.old, o_op) and _needs_auth(self.new, n_op):
            self.add(where, "auth-required", True, "the operation now needs a token")
        self.parameters(where, self._params(self.old, o_common, o_op), self._params(self.new, n_common, n_op),
                        _PARAM.findall(o_path), _PARAM.findall(n_path))
        self.request_body(where, o_op.get("requestBody"), n_op.get("requestBody"))
        self.responses(where, o_op.get("responses", {}), n_op.get("responses", {}))

    def _params(self, doc: _Doc, common: list[Any], own: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
        params: dict[tuple[str, str], dict[str, Any]] = {}
        for p in [*common, *own.get("parameters", [])]:  # operation-level ones override
            p = doc.resolve(p)
            name = p["name"].lower() if p["in"] == "header" else p["name"]
            params[(p["in"], name)] = p
        return params

    def parameters(self, where: str, old: dict, new: dict, o_slots: list[str], n_slots: list[str]) -> None:
        for key in sorted(old.keys() - new.keys()):
            if key[0] != "path":  # a path parameter's name is no part of the contract
                self.add(f"{where} {key[0]} parameter {key[1]}", "parameter-removed", True)
        old_paths = [old.get(("path", slot[1:-1].split(":")[0]), {}) for slot in o_slots]
        new_paths = [new.get(("path", slot[1:-1].split(":")[0]), {}) for slot in n_slots]
        for key in sorted(new.keys() - old.keys()):
            if key[0] == "path":
                continue
            required = bool(new[key].get("required"))
            self.add(f"{where} {key[0]} parameter {key[1]}", "required-parameter-added" if required
                     else "optional-parameter-added", required)
        pairs = [(k, old[k], new[k]) for k in sorted(old.keys() & new.keys()) if k[0] != "path"]
        # path parameters pair by their place in the template: their names may change freely
        pairs += [(("path", n.get("name", "?")), o, n) for o, n in zip(old_paths, new_paths)]
        for key, o, n in pairs:
            at = f"{where} {key[0]} parameter {key[1]}"
            if n.get("required") and not o.get("required"):
                self.add(at, "parameter-made-required", True)
            self.schema(at, o.get("schema", {}), n.get("schema", {}), "input")

    def request_body(self, where: str, old: Any, new: Any) -> None:
        at = f"{where} request body"
        if old is None and new is None:
            return
        if old is None:
            required = bool(self.new.resolve(new).get("required"))
            self.add(at, "required-body-added" if required else "optional-body-added", required)
            return
        if new is None:
            self.add(at, "body-removed", True)
            return
        old, new = self.old.resolve(old), self.new.resolve(new)
        if new.get("required") and not old.get("required"):
            self.add(at, "body-made-required", True)
        o_content, n_content = old.get("content", {}), new.get("content", {})
        for media in sorted(o_content.keys() - n_content.keys()):
            self.add(f"{at} {media}", "request-media-type-removed", True)
        for media in sorted(o_content.keys() & n_content.keys()):
            self.schema(at if len(o_content) == 1 else f"{at} {media}",
                        o_content[media].get("schema", {}), n_content[media].get("schema", {}), "input")

    def responses(self, where: str, old: dict, new: dict) -> None:
        for status in sorted(old.keys() - new.keys()):
            self.add(f"{where} response {status}", "response-removed", True)
        for status in sorted(new.keys() - old.keys()):
            self.add(f"{where} response {status}", "response-added", False)
        for status in sorted(old.keys() & new.keys()):
            at = f"{where} response {status}"
            o, n = self.old.resolve(old[status]), self.new.resolve(new[status])
            o_headers = {k.lower(): v for k, v in o.get("headers", {}).items()}
            n_headers = {k.lower(): v for k, v in n.get("headers", {}).items()}
            for name in sorted(o_headers.keys() - n_headers.keys()):
                self.add(f"{at} header {name}", "response-header-removed", True)
            for name in sorted(n_headers.keys() - o_headers.keys()):
                self.add(f"{at} header {name}", "response-header-added", False)
            for name in sorted(o_headers.keys() & n_headers.keys()):
                oh, nh = self.old.resolve(o_headers[name]), self.new.resolve(n_headers[name])
                self.schema(f"{at} header {name}", oh.get("schema", {}), nh.get("schema", {}), "output")
            o_content, n_content = o.get("content", {}), n.get("content", {})
            for media in sorted(o_content.keys() - n_content.keys()):
                self.add(f"{at} {media}", "response-media-type-removed", True)
            for media in sorted(o_content.keys() & n_content.keys()):
                self.schema(at if len(o_content) == 1 else f"{at} {media}",
                            o_content[media].get("schema", {}), n_content[media].get("schema", {}), "output")

    # ---- schemas ----------------------------------------------------------------------
    def schema(self, where: str, old: Any, new: Any, direction: str) -> None:
        """``direction``: "input" (breaking when it accepts less) or "output" (breaking when
        it can produce more)."""
        old, new = self.old.resolve(old), self.new.resolve(new)
        if old is True or old == {} or not isinstance(old, dict):
            if direction == "input" and isinstance(new, dict) and _constraints(new):
                self.add(where, "type-narrowed", True, "any value was accepted")
            return
        key = (direction, id(old), id(new))
        if key in self._active:
            return
        self._active.add(key)
        try:
            self._schema(where, old, new, direction)
        finally:
            self._active.discard(key)

    def _schema(self, where: str, old: dict, new: Any, direction: str) -> None:
        if new is True or new == {} or not isinstance(new, dict):
            if direction == "output":
                self.add(where, "type-widened", True, "any value may come")
            return
        o_alts, n_alts = self._alternatives(self.old, old), self._alternatives(self.new, new)
        if len(o_alts) > 1 or len(n_alts) > 1:
            self._alternatives_compare(where, o_alts, n_alts, direction)
            return
        self._single(where, o_alts[0], n_alts[0], direction)

    def _alternatives(self, doc: _Doc, schema: dict) -> list[dict]:
        """anyOf/oneOf flattened into the schemas a value may match (nullable = a null one);
        allOf merged into one schema first."""
        if "allOf" in schema:
            schema = _merge_all_of(doc, schema)
        for kw in ("anyOf", "oneOf"):
            if kw in schema:
                outer = {k: v for k, v in schema.items() if k != kw}
                alts: list[dict] = []
                for sub in schema[kw]:
                    for alt in self._alternatives(doc, doc.resolve(sub)):
                        alts.append({**outer, **alt} if _constraints(outer) else alt)
                return alts
        return [schema]

    def _alternatives_compare(self, where: str, olds: list[dict], news: list[dict], direction: str) -> None:
        # input: every old alternative still accepted; output: every new one was produced before
        sources, targets = (olds, news) if direction == "input" else (news, olds)
        for alt in sources:
            match = _best_match(alt, targets)
            label = _type_label(alt)
            if match is None:
                if direction == "input":
                    self.add(where, "type-narrowed", True, f"{label} no longer accepted")
                elif label == "null":
                    self.add(where, "made-nullable", True)
                else:
                    self.add(where, "type-widened", True, f"may now be {label}")
                continue
            pair = (alt, match) if direction == "input" else (match, alt)
            self._single(where, pair[0], pair[1], direction)

    def _single(self, where: str, old: dict, new: dict, direction: str) -> None:
        o_types, n_types = _types(old), _types(new)
        if direction == "input":
            if n_types and (not o_types or not _covers(n_types, o_types)):
                self.add(where, "type-narrowed", True, f"{_fmt(o_types)} -> {_fmt(n_types)}")
        elif o_types and (not n_types or not _covers(o_types, n_types)):
            what = "made-nullable" if n_types - o_types == {"null"} else "type-widened"
            self.add(where, what, True, f"{_fmt(o_types)} -> {_fmt(n_types)}")
        self._constraints(where, old, new, direction)
        if "object" in (o_types or n_types) or "properties" in old or "properties" in new:
            self._object(where, old, new, direction)
        if "items" in old or "items" in new:
            self.schema(f"{where}[]", old.get("items", {}), new.get("items", {}), direction)

    def _constraints(self, where: str, old: dict, new: dict, direction: str) -> None:
        o_enum, n_enum = _enum(old), _enum(new)
        if direction == "output":
            if o_enum is not None and (n_enum is None or n_enum - o_enum):
                added = sorted(map(str, n_enum - o_enum)) if n_enum is not None else ["any value"]
                self.add(where, "enum-values-added", True, ", ".join(added))
            elif n_enum is not None and o_enum is not None and o_enum - n_enum:
                self.add(where, "enum-values-removed", False, ", ".join(sorted(map(str, o_enum - n_enum))))
            return
        # input: any restriction added or tightened
        if n_enum is not None and (o_enum is None or o_enum - n_enum):
            lost = sorted(map(str, o_enum - n_enum)) if o_enum is not None else ["any value"]
            self.add(where, "enum-restricted", True, ", ".join(lost) + " no longer accepted")
        elif o_enum is not None and n_enum is not None and n_enum - o_enum:
            self.add(where, "enum-values-added", False, ", ".join(sorted(map(str, n_enum - o_enum))))
        if "pattern" in new and old.get("pattern") != new["pattern"]:
            self.add(where, "pattern-added" if "pattern" not in old else "pattern-changed", True, new["pattern"])
        if "format" in new and old.get("format") != new["format"]:
            self.add(where, "format-added" if "format" not in old else "format-changed", True, new["format"])
        for kw, tighter in (("maxLength", min), ("maxItems", min), ("maxProperties", min), ("maximum", min),
                            ("exclusiveMaximum", min), ("minLength", max), ("minItems", max),
                            ("minProperties", max), ("minimum", max), ("exclusiveMinimum", max)):
            if kw in new and (kw not in old or (old[kw] != new[kw] and tighter(old[kw], new[kw]) == new[kw])):
                self.add(where, f"{kw}-added" if kw not in old else f"{kw}-tightened", True,
                         f"{old.get(kw, 'none')} -> {new[kw]}")
        if "multipleOf" in new and old.get("multipleOf") != new["multipleOf"]:
            self.add(where, "multipleOf-added", True, str(new["multipleOf"]))
        if new.get("uniqueItems") and not old.get("uniqueItems"):
            self.add(where, "uniqueItems-added", True)

    def _object(self, where: str, old: dict, new: dict, direction: str) -> None:
        o_props, n_props = old.get("properties", {}), new.get("properties", {})
        o_req, n_req = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(o_props.keys() - n_props.keys()):
            self.add(f"{where} .{name}", "field-removed", True)
        for name in sorted(n_props.keys() - o_props.keys()):
            if direction == "input":
                self.add(f"{where} .{name}", "required-field-added" if name in n_req else "optional-field-added",
                         name in n_req)
            else:
                self.add(f"{where} .{name}", "field-added", False)
        for name in sorted(o_props.keys() & n_props.keys()):
            at = f"{where} .{name}"
            if direction == "input" and name in n_req and name not in o_req:
                self.add(at, "field-made-required", True)
            if direction == "output" and name in o_req and name not in n_req:
                self.add(at, "field-made-optional", True)
            self.schema(at, o_props[name], n_props[name], direction)
        if direction == "input":
            for name in sorted((n_req - o_req) - n_props.keys() - o_props.keys()):
                self.add(f"{where} .{name}", "required-field-added", True)
            if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
                self.add(where, "additional-properties-refused", True)
        o_add, n_add = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(o_add, dict) and isinstance(n_add, dict):
            self.schema(f"{where} .*", o_add, n_add, direction)


# ---- helpers ------------------------------------------------------------------------------
def _merge_all_of(doc: _Doc, schema: dict) -> dict:
    """allOf as one schema: properties and required united, other keywords the last one's."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for sub in schema["allOf"]:
        sub = doc.resolve(sub)
        if "allOf" in sub:
            sub = _merge_all_of(doc, sub)
        for key, value in sub.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged[key] = value
    return merged


def _needs_auth(doc: _Doc, op: dict[str, Any]) -> bool:
    security = op.get("security", doc.document.get("security", []))
    return bool(security) and {} not in security


def _types(schema: dict) -> set[str]:
    t = schema.get("type")
    if t is None:
        if "const" in schema and schema["const"] is None:
            return {"null"}
        if "properties" in schema:
            return {"object"}
        return set()
    return set(t) if isinstance(t, list) else {t}


def _covers(wide: set[str], narrow: set[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _enum(schema: dict) -> set | None:
    if "const" in schema:
        return {_hashable(schema["const"])}
    if "enum" in schema:
        return {_hashable(v) for v in schema["enum"]}
    return None


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _constraints(schema: dict) -> bool:
    return any(k in schema for k in ("type", "enum", "const", "pattern", "format", "properties", "items",
                                      "maxLength", "minLength", "maximum", "minimum", "required"))


def _type_label(schema: dict) -> str:
    types = _types(schema)
    return _fmt(types) if types else "a value of another shape"


def _fmt(types: set[str]) -> str:
    return "|".join(sorted(types)) or "any"


def _best_match(alt: dict, candidates: list[dict]) -> dict | None:
    """The candidate alternative with the same type as ``alt`` (integer fits number)."""
    types = _types(alt)
    for c in candidates:
        if _types(c) == types:
            return c
    for c in candidates:
        ct = _types(c)
        if types and ct and _covers(ct, types):
            return c
    if not types:
        return candidates[0] if candidates else None
    return None


# ---- the released documents and the recorded, accepted breaking changes --------------------
ROOT = Path(__file__).resolve().parents[2]
RELEASED_DIR = ROOT / "docs" / "api" / "released"
CURRENT = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
POLICY = ROOT / "docs" / "api-changes.md"
_RELEASED_NAME = re.compile(r"^openapi-(\d+)\.(\d+)\.(\d+)\.json$")
_ACCEPTED_BLOCK = re.compile(r"^```ya?ml\n(accepted-breaking-changes:.*?)^```", re.S | re.M)


def semver(version: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        raise ValueError(f"info.version {version!r} is not MAJOR.MINOR.PATCH")
    return tuple(int(x) for x in match.groups())  # type: ignore[return-value]  # the pattern has three groups


def released_documents(directory: Path = RELEASED_DIR) -> list[Path]:
    """The released documents, oldest first."""
    found = [(tuple(map(int, m.groups())), p) for p in directory.glob("openapi-*.json")
             if (m := _RELEASED_NAME.match(p.name))]
    return [p for _, p in sorted(found)]


@dataclass(frozen=True)
class Accepted:
    path: str   # a Change's where; fnmatch wildcards allowed (one schema seen by many operations)
    what: str
    reason: str

    def covers(self, change: Change) -> bool:
        return change.what == self.what and fnmatch.fnmatchcase(change.where, self.path)


def accepted_changes(policy: Path = POLICY) -> list[Accepted]:
    """The ``accepted-breaking-changes:`` yaml block of docs/api-changes.md."""
    match = _ACCEPTED_BLOCK.search(policy.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{policy.name}: no ```yaml block starting with accepted-breaking-changes:")
    entries = yaml.safe_load(match.group(1))["accepted-breaking-changes"] or []
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"path", "what", "reason"} \
                or not all(isinstance(v, str) and v.strip() for v in entry.values()):
            raise ValueError(f"{policy.name}: accepted-breaking-changes[{i}] needs exactly path, what and "
                             f"a reason (non-empty strings): {entry!r}")
        out.append(Accepted(entry["path"], entry["what"], entry["reason"]))
    return out


def unaccepted(changes: Iterable[Change], accepted: list[Accepted]) -> list[Change]:
    return [c for c in breaking(changes) if not any(a.covers(c) for a in accepted)]


def unused(changes: Iterable[Change], accepted: list[Accepted]) -> list[Accepted]:
    """Records that match no breaking change (stale, or a typo that would hide nothing)."""
    found = breaking(changes)
    return [a for a in accepted if not any(a.covers(c) for c in found)]


def version_problems(released: dict[str, Any], current: dict[str, Any], changes: Iterable[Change]) -> list[str]:
    """What info.version (scripts/openapi.py VERSION) must say given the changes."""
    old, new = semver(released["info"]["version"]), semver(current["info"]["version"])
    if new < old:
        return [f"info.version {current['info']['version']} is older than the released {released['info']['version']}"]
    added = sorted(c.where for c in changes if c.what == "operation-added")
    if added and new[:2] == old[:2]:
        return [f"new operations ({', '.join(added)}) need a new minor version: set VERSION in "
                f"scripts/openapi.py to {old[0]}.{old[1] + 1}.0 and add them to docs/api-changes.md"]
    return []


def main(argv: list[str] | None = None) -> int:
    """scripts/api-changes [OLD.json NEW.json]: the differences for a human; exit 1 on a
    breaking change not recorded in docs/api-changes.md (or a version that must change)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="scripts/api-changes", description=main.__doc__.split(";")[0])
    parser.add_argument("old", nargs="?", type=Path, help="default: the newest docs/api/released/openapi-*.json")
    parser.add_argument("new", nargs="?", type=Path, default=CURRENT, help=f"default: {CURRENT.relative_to(ROOT)}")
    parser.add_argument("--breaking", action="store_true", help="list the breaking changes only")
    args = parser.parse_args(argv)
    old_path = args.old or released_documents()[-1]
    old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (old_path, args.new))
    changes = compare(old, new)
    accepted = accepted_changes()
    print(f"{old_path} ({old['info']['version']}) -> {args.new} ({new['info']['version']}): {len(changes)} changes")
    for change in sorted(changes, key=lambda c: (not c.breaking, c.where)):
        if args.breaking and not change.breaking:
            continue
        record = next((a for a in accepted if change.breaking and a.covers(change)), None)
        print(change.line() + (f"  [accepted: {record.reason}]" if record else ""))
    kinds: dict[tuple[bool, str], int] = {}
    for change in changes:
        kinds[(change.breaking, change.what)] = kinds.get((change.breaking, change.what), 0) + 1
    for (is_breaking, what), n in sorted(kinds.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        print(f"  {n:5} {'BREAKING' if is_breaking else 'ok':8} {what}")
    problems = [f"not recorded in docs/api-changes.md: {c.where}: {c.what}" for c in unaccepted(changes, accepted)]
    problems += version_problems(old, new, changes)
    for problem in problems:
        print(f"api-changes: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
