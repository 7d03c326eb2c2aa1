#!/usr/bin/env python3
"""openapi_check.py -- real responses checked against an OpenAPI 3.1 document.

    python3 t/unit/openapi_check.py DOCUMENT.json [CASES.json]

CASES.json (standard input when not given) is a JSON array of responses:

    {"name": "login: wrong password",      # shown in failures
     "path": "/api/ops/login",             # the document's path template
     "method": "post",
     "status": 401,
     "content_type": "application/json",   # the response's, or null
     "headers": {"WWW-Authenticate": "Bearer ..."},
     "body": "{...}"}                      # the body as text, or null

For each case: the path and method must be in the document, the status
must be documented for that operation (exactly, as "4XX" or "default"),
every header the response documents as required must be there and match
its schema, the content type must be one the response documents, and a
JSON body must validate against that media type's schema (JSON Schema
draft 2020-12, $ref resolved inside the document).  The document itself is
checked too: version 3.1.x, every $ref resolves, every schema is a valid
2020-12 schema, every path template's parameters are declared, operation
ids are unique.

Prints a JSON object {"document": [errors], "cases": [{"name", "errors"}]}
on standard output; exits 0 when there is no error at all, 1 when there
is one, 2 when the input cannot be read.  Needs the jsonschema module
(4.x; with or without the referencing library).
"""
import json
import re
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover - environment problem
    print(json.dumps({"document": ["python3 cannot import jsonschema (>= 4.0 "
                                   "needed: Debian python3-jsonschema): %s" % e],
                      "cases": []}))
    sys.exit(2)

try:
    import referencing
    import referencing.jsonschema
except ImportError:
    referencing = None

# an http-like base: the legacy RefResolver joins references with urljoin,
# which leaves "urn:" bases alone
BASE = "https://openapi.invalid/document.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def pointer_escape(part):
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(parts):
    return "".join("/" + pointer_escape(p) for p in parts)


def resolve_local(doc, ref):
    """The object a local "#/a/b" reference names, or raise KeyError."""
    if not ref.startswith("#"):
        raise KeyError("not a local reference: %s" % ref)
    node = doc
    frag = ref[1:]
    if frag == "":
        return doc
    if not frag.startswith("/"):
        raise KeyError("not a JSON pointer: %s" % ref)
    for raw in frag[1:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError("%s: no %r" % (ref, key))
    return node


def deref(doc, obj, where):
    """Follow an OpenAPI $ref (Reference Object) chain: (object, path parts)."""
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        obj = resolve_local(doc, ref)
        where = [p.replace("~1", "/").replace("~0", "~")
                 for p in ref[2:].split("/")] if ref != "#" else []
        seen += 1
        if seen > 20:
            raise KeyError("reference loop at %s" % ref)
    return obj, where


class Checker:
    def __init__(self, doc):
        self.doc = doc
        if referencing is not None:
            res = referencing.Resource.from_contents(
                doc, default_specification=referencing.jsonschema.DRAFT202012)
            self.registry = referencing.Registry().with_resource(BASE, res)
        else:
            self.registry = None
        self.validators = {}

    # ------------------------------------------------------------ document

    def check_document(self):
        errs = []
        doc = self.doc
        if not str(doc.get("openapi", "")).startswith("3.1."):
            errs.append("openapi is %r, not 3.1.x" % doc.get("openapi"))
        for key in ("info", "paths"):
            if not isinstance(doc.get(key), dict):
                errs.append("no %s object" % key)
        self._walk_refs(doc, [], errs)
        for where, schema in self._schemas():
            try:
                Draft202012Validator.check_schema(schema)
            except jsonschema.exceptions.SchemaError as e:
                errs.append("%s: not a valid 2020-12 schema: %s"
                            % (pointer(where), e.message))
        ids = {}
        for path, item in (doc.get("paths") or {}).items():
            names = set(re.findall(r"\{([^}]+)\}", path))
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                oid = op.get("operationId")
                if oid in ids:
                    errs.append("operationId %s used by %s and %s %s"
                                % (oid, ids[oid], method.upper(), path))
                ids[oid] = "%s %s" % (method.upper(), path)
                if not op.get("responses"):
                    errs.append("%s %s: no responses" % (method.upper(), path))
                declared = set()
                for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
                    try:
                        p, _ = deref(doc, p, [])
                    except KeyError:
                        continue
                    if p.get("in") == "path":
                        declared.add(p.get("name"))
                        if p.get("required") is not True:
                            errs.append("%s %s: path parameter %s not required"
                                        % (method.upper(), path, p.get("name")))
                if declared != names:
                    errs.append("%s %s: path parameters %s, declared %s"
                                % (method.upper(), path, sorted(names), sorted(declared)))
                for scheme in op.get("security", []):
                    for name in scheme:
                        if name not in doc.get("components", {}).get("securitySchemes", {}):
                            errs.append("%s %s: unknown security scheme %s"
                                        % (method.upper(), path, name))
        return errs

    def _walk_refs(self, node, where, errs):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve_local(self.doc, ref)
                except (KeyError, ValueError, IndexError) as e:
                    errs.append("%s: $ref does not resolve: %s" % (pointer(where), e))
            for k, v in node.items():
                self._walk_refs(v, where + [k], errs)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._walk_refs(v, where + [i], errs)

    def _schemas(self):
        """(path parts, schema) of every top-level schema in the document."""
        out = []
        comps = self.doc.get("components", {})
        for name, s in comps.get("schemas", {}).items():
            out.append((["components", "schemas", name], s))

        def walk(node, where):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "schema" and isinstance(v, (dict, bool)):
                        out.append((where + [k], v))
                    elif k != "schemas":
                        walk(v, where + [k])
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, where + [i])
        walk(self.doc.get("paths", {}), ["paths"])
        for k in ("responses", "parameters", "requestBodies", "headers"):
            walk(comps.get(k, {}), ["components", k])
        return out

    # ------------------------------------------------------------ responses

    def validator(self, where):
        key = pointer(where)
        v = self.validators.get(key)
        if v is None:
            schema = {"$ref": BASE + "#" + key}
            fc = Draft202012Validator.FORMAT_CHECKER
            if self.registry is not None:
                v = Draft202012Validator(schema, registry=self.registry,
                                         format_checker=fc)
            else:
                resolver = jsonschema.RefResolver(BASE, self.doc,
                                                  store={BASE: self.doc})
                v = Draft202012Validator(schema, resolver=resolver,
                                         format_checker=fc)
            self.validators[key] = v
        return v

    def validate(self, where, instance):
        errs = []
        for e in sorted(self.validator(where).iter_errors(instance),
                        key=lambda e: list(e.absolute_path)):
            at = "/".join(str(p) for p in e.absolute_path) or "(top)"
            errs.append("%s: %s" % (at, e.message))
            # the branch that failed inside allOf/anyOf, for a readable cause
            for sub in (e.context or [])[:3]:
                sat = "/".join(str(p) for p in sub.absolute_path) or "(top)"
                errs.append("  %s: %s" % (sat, sub.message))
        return errs

    def check_case(self, case):
        doc = self.doc
        path, method = case.get("path"), str(case.get("method", "")).lower()
        status = str(case.get("status"))
        item = (doc.get("paths") or {}).get(path)
        if item is None:
            return ["path %s is not in the document" % path]
        op = item.get(method)
        if op is None:
            return ["%s %s is not in the document" % (method.upper(), path)]
        responses = op.get("responses", {})
        key = None
        for k in (status, status[0] + "XX", "default"):
            if k in responses:
                key = k
                break
        if key is None:
            return ["status %s is not documented for %s %s (documented: %s)"
                    % (status, method.upper(), path, ", ".join(sorted(responses)))]
        resp, where = deref(doc, responses[key],
                            ["paths", path, method, "responses", key])
        errs = []

        headers = {str(k).lower(): v for k, v in (case.get("headers") or {}).items()}
        for name, h in (resp.get("headers") or {}).items():
            h, hwhere = deref(doc, h, where + ["headers", name])
            if name.lower() == "content-type":
                continue
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    errs.append("header %s is required but missing" % name)
                continue
            if "schema" in h:
                for e in self.validate(hwhere + ["schema"], value):
                    errs.append("header %s: %s (value %r)" % (name, e, value))

        content = resp.get("content")
        ctype = case.get("content_type")
        body = case.get("body")
        if not content:
            if body:
                errs.append("a body (%d characters) where none is documented"
                            % len(body))
            return errs
        if not ctype:
            errs.append("no Content-Type; documented: %s" % ", ".join(sorted(content)))
            return errs
        mt = ctype.split(";")[0].strip().lower()
        chosen = None
        for pattern in (mt, mt.split("/")[0] + "/*", "*/*"):
            for k in content:
                if k.lower() == pattern:
                    chosen = k
                    break
            if chosen:
                break
        if chosen is None:
            errs.append("Content-Type %s is not documented (documented: %s)"
                        % (mt, ", ".join(sorted(content))))
            return errs
        media = content[chosen]
        is_json = mt == "application/json" or mt.endswith("+json")
        if is_json and "schema" in media:
            try:
                instance = json.loads(body if body is not None else "")
            except ValueError as e:
                errs.append("the body is not JSON: %s: %r" % (e, (body or "")[:200]))
                return errs
            for e in self.validate(where + ["content", chosen, "schema"], instance):
                errs.append("body %s" % e)
        return errs


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
        if len(argv) > 2:
            with open(argv[2], encoding="utf-8") as f:
                cases = json.load(f)
        else:
            cases = json.load(sys.stdin)
    except (OSError, ValueError) as e:
        print(json.dumps({"document": ["cannot read the input: %s" % e], "cases": []}))
        return 2
    c = Checker(doc)
    out = {"document": c.check_document(), "cases": []}
    bad = bool(out["document"])
    for case in cases:
        try:
            errs = c.check_case(case)
        except (KeyError, ValueError, IndexError) as e:
            errs = ["the document cannot be followed: %s" % e]
        out["cases"].append({"name": case.get("name", "?"), "errors": errs})
        bad = bad or bool(errs)
    print(json.dumps(out, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
