"""schemas.py - load docs/schemas/*.json and validate documents against them
with python3-jsonschema (draft 2020-12), resolving the references between
the files (and from docs/openapi.yaml) without any network access.

Works with Debian 12's jsonschema 4.10 and with later releases (whose
references are resolved differently)."""
import json
import pathlib

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "docs" / "schemas"
OPENAPI = ROOT / "docs" / "openapi.yaml"


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_openapi():
    """docs/openapi.yaml is YAML written in JSON syntax after its comments."""
    with open(OPENAPI, encoding="utf-8") as f:
        return json.loads("".join(l for l in f if not l.startswith("#")))


def schema_files():
    return sorted(p.name for p in SCHEMA_DIR.glob("*.json"))


def _rewrite(node, file):
    """node with every $ref made local to the bundle (see _bundle)."""
    if isinstance(node, list):
        return [_rewrite(v, file) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite(v, file) for k, v in node.items() if k not in ("$id", "$schema")}
    ref = node.get("$ref")
    if isinstance(ref, str):
        target, _, pointer = ref.partition("#")
        if target.startswith("schemas/"):  # from docs/openapi.yaml
            target = target[len("schemas/"):]
        out["$ref"] = "#/$defs/" + (target or file) + pointer
    return out


_BUNDLE = None


def _bundle():
    """Every schema file (and docs/openapi.yaml, as "openapi") under one
    $defs, their references rewritten to point inside it: a validator then
    needs no resolver, whatever the jsonschema release."""
    global _BUNDLE
    if _BUNDLE is None:
        defs = {n: _rewrite(_load_json(SCHEMA_DIR / n), n) for n in schema_files()}
        defs["openapi"] = _rewrite(load_openapi(), "openapi")
        _BUNDLE = defs
    return _BUNDLE


def schema(name):
    return _load_json(SCHEMA_DIR / name)


_CACHE = {}


def _validator(ref):
    if ref not in _CACHE:
        _CACHE[ref] = jsonschema.Draft202012Validator({"$ref": ref, "$defs": _bundle()})
    return _CACHE[ref]


def validator(name):
    """A validator for docs/schemas/<name>, or for "name#/$defs/x"."""
    file, _, pointer = name.partition("#")
    return _validator("#/$defs/" + file + pointer)


def openapi_validator(node):
    """A validator for a schema node of docs/openapi.yaml (its $refs are
    relative to that file)."""
    ref = _rewrite(node, "openapi")
    return jsonschema.Draft202012Validator(dict(ref, **{"$defs": _bundle()}))


def errors(name, doc):
    """The problems of doc against schema `name`, as readable lines."""
    found = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "$", e.message[:300]) for e in found]


def check_schemas():
    """Each file is a valid draft 2020-12 schema whose $id is its name, and
    validates its own examples."""
    problems = []
    for n in schema_files():
        s = schema(n)
        try:
            jsonschema.Draft202012Validator.check_schema(s)
        except jsonschema.SchemaError as e:
            problems.append("%s: not a valid schema: %s" % (n, e.message))
        if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema" or s.get("$id") != n:
            problems.append("%s: $schema must be draft 2020-12 and $id the file name" % n)
        for i, ex in enumerate(s.get("examples", [])):
            problems += ["%s examples[%d]: %s" % (n, i, e) for e in errors(n, ex)]
    return problems


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3:
        with open(sys.argv[2], encoding="utf-8") as f:
            found = errors(sys.argv[1], json.load(f))
    else:
        found = check_schemas()
    print("\n".join(found) or "ok")
    sys.exit(1 if found else 0)
