#!/usr/bin/env python3
"""check_stix.py -- validate STIX 2.1 bundles against the OASIS JSON
schemas, offline.

Usage: check_stix.py [--schemas DIR] BUNDLE.json...

DIR defaults to t/fixtures/stix-schemas beside this script's folder: a
copy of the schemas/ tree of OASIS cti-stix2-json-schemas (stix2.1; see the
LICENSE there).  Every schema is loaded from DIR and found by its "$id", so
each "$ref" resolves locally; a reference to anything else is an error,
never a download.

Each file must be a bundle that validates against common/bundle.json (which
takes in the schemas of every STIX object type), and each object in it is
also validated on its own against the schema of its type, so that an error
names the object and property at fault.  Nothing else is checked: the
schemas do not parse indicator patterns.

Prints "ok: FILE" or "INVALID: FILE" on a line of its own, then (indented)
the number of objects or the first errors.  Exits 0 when every file is
valid, 1 when one is not, 2 when the check itself cannot run (no
jsonschema module, missing or broken schema files, a file that is not
JSON).  Needs python3-jsonschema (Debian) 4.x: with 4.18 or
newer the "referencing" library resolves the references, before that
RefResolver with a local store and network handlers that refuse.
"""
import argparse
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    sys.stderr.write("check_stix.py: the python3 jsonschema module is "
                     "missing (Debian package python3-jsonschema)\n")
    sys.exit(2)

try:
    import referencing
    import referencing.exceptions
    from referencing.jsonschema import DRAFT202012
except ImportError:
    referencing = None

BASE = ("http://raw.githubusercontent.com/oasis-open/"
        "cti-stix2-json-schemas/stix2.1/schemas/")
MAX_ERRORS = 5
MAX_MESSAGE = 300


class SetupError(Exception):
    pass


def load_schemas(folder):
    """All *.json under folder, keyed by their $id."""
    store = {}
    for root, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as f:
                    schema = json.load(f)
            except (OSError, ValueError) as e:
                raise SetupError("cannot read schema %s: %s" % (path, e))
            sid = schema.get("$id") if isinstance(schema, dict) else None
            if not sid:
                raise SetupError("schema %s has no $id" % path)
            store[sid] = schema
    if BASE + "common/bundle.json" not in store:
        raise SetupError("no common/bundle.json in %s" % folder)
    return store


def refuse(uri):
    raise SetupError("schema reference %s is not in the local schemas "
                     "(no downloads)" % uri)


def make_validators(store):
    """A function giving the validator for a schema $id."""
    if referencing is not None:
        def retrieve(uri):
            refuse(uri)
        registry = referencing.Registry(retrieve=retrieve).with_resources(
            (sid, DRAFT202012.create_resource(schema))
            for sid, schema in store.items())

        def validator(sid):
            return Draft202012Validator(store[sid], registry=registry)
    else:
        handlers = {"http": refuse, "https": refuse, "file": refuse,
                    "ftp": refuse}

        def validator(sid):
            resolver = jsonschema.RefResolver(
                base_uri=sid, referrer=store[sid], store=dict(store),
                handlers=handlers)
            return Draft202012Validator(store[sid], resolver=resolver)
    return validator


def object_schema(store, obj_type):
    """The $id of the schema for a STIX object type, or None."""
    for folder in ("sdos", "sros", "observables", "common"):
        sid = "%s%s/%s.json" % (BASE, folder, obj_type)
        if sid in store:
            return sid
    return None


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    message = error.message
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return "%s: %s" % (where, message)


def schema_errors(validator, instance):
    """Every error of instance, an unresolvable reference as SetupError."""
    try:
        return list(validator.iter_errors(instance))
    except SetupError:
        raise
    except Exception as e:     # an unresolvable $ref, whatever its class
        if referencing is not None:
            if isinstance(e, referencing.exceptions.Unresolvable):
                refuse(e.ref)
        elif isinstance(e, jsonschema.exceptions.RefResolutionError):
            cause = e.args[0] if e.args else e      # RefResolver wraps it
            raise SetupError(str(cause))
        raise


def first_messages(errors):
    """Up to MAX_ERRORS messages, the most relevant first."""
    if not errors:
        return []
    best = jsonschema.exceptions.best_match(errors)
    out = [describe(best)]
    for e in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        if e is not best and len(out) < MAX_ERRORS:
            out.append(describe(e))
    return out


def check_file(path, store, validator):
    """A list of problems (empty when the bundle is valid) and the number
    of objects.  The verdict is the bundle schema's together with each
    object's own schema; the messages name objects where they can."""
    try:
        with open(path, encoding="utf-8") as f:
            bundle = json.load(f)
    except (OSError, ValueError) as e:
        raise SetupError("cannot read %s as JSON: %s" % (path, e))
    if not isinstance(bundle, dict):
        return ["(top): not a JSON object, so not a STIX bundle"], 0
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        objects = []
    problems, explained, bad = [], set(), 0
    for i, obj in enumerate(objects):
        sid = object_schema(store, obj.get("type")) \
            if isinstance(obj, dict) else None
        if sid is None:
            continue        # the bundle schema judges custom objects
        messages = first_messages(schema_errors(validator(sid), obj))
        if messages:
            bad += 1
            explained.add(i)
            if len(problems) < 4 * MAX_ERRORS:
                problems.extend("objects/%d (%s %s) %s" % (
                    i, obj.get("type"), obj.get("id"), m) for m in messages)
    for e in schema_errors(validator(BASE + "common/bundle.json"), bundle):
        path = list(e.absolute_path)
        if len(path) >= 2 and path[0] == "objects" and path[1] in explained:
            continue
        if len(problems) < 5 * MAX_ERRORS:
            problems.append("bundle " + describe(e))
        else:
            problems.append("...")
            break
    if bad:
        problems.insert(0, "%d of %d objects do not match their schema"
                        % (bad, len(objects)))
    return problems, len(objects)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(
        description="Validate STIX 2.1 bundles against the OASIS schemas.")
    parser.add_argument("--schemas", default=os.path.join(
        here, "..", "fixtures", "stix-schemas"))
    parser.add_argument("bundles", nargs="+", metavar="BUNDLE")
    args = parser.parse_args()
    try:
        store = load_schemas(args.schemas)
        validator = make_validators(store)
        status = 0
        for path in args.bundles:
            problems, count = check_file(path, store, validator)
            if problems:
                status = 1
                print("INVALID: %s" % path)
                for p in problems:
                    print("  " + p)
            else:
                print("ok: %s" % path)
                print("  %d objects, all valid" % count)
        return status
    except SetupError as e:
        sys.stderr.write("check_stix.py: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
