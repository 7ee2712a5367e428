"""Issue 17: every operation's success answer is typed in the OpenAPI schema (/api/docs documents every output),
and typing the answers did not change their bodies."""

from config.api import api

SUCCESS = {"200", "201", "202"}


def _untyped(schema: dict, components: dict, seen: frozenset = frozenset()) -> bool:
    """An empty schema, or an object with no declared properties (`dict[str, Any]`: additionalProperties only)."""
    if not schema:
        return True
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name not in seen and _untyped(components[name], components, seen | {name})
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return any(_untyped(s, components, seen) for s in schema[key] if s.get("type") != "null")
    if schema.get("type") == "array":
        return _untyped(schema.get("items") or {}, components, seen)
    if schema.get("type") == "object":
        return not schema.get("properties")
    return "type" not in schema and "enum" not in schema and "const" not in schema


def test_every_success_response_has_a_typed_schema():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    problems, operations = [], 0
    for path, item in schema["paths"].items():
        for method, op in item.items():
            operations += 1
            responses = {str(status): r for status, r in op["responses"].items()}
            success = SUCCESS & responses.keys()
            if not success and "204" in responses:
                continue  # no body by design
            if not success:
                problems.append(f"{method.upper()} {path}: no 2xx response declared")
            for status in sorted(success):
                content = responses[status].get("content") or {}
                if not content:
                    problems.append(f"{method.upper()} {path} {status}: no body schema")
                for media, body in content.items():
                    if _untyped(body.get("schema") or {}, components):
                        problems.append(f"{method.upper()} {path} {status} {media}: untyped body")
    assert operations > 80
    assert not problems, "\n".join(problems)


def test_the_walk_catches_an_untyped_body():
    components = {"Free": {"type": "object", "additionalProperties": True}, "Typed": {
        "type": "object", "properties": {"id": {"type": "integer"}}}}
    assert _untyped({"type": "object", "additionalProperties": True}, components)
    assert _untyped({"type": "array", "items": {"$ref": "#/components/schemas/Free"}}, components)
    assert _untyped({}, components)
    assert not _untyped({"type": "array", "items": {"$ref": "#/components/schemas/Typed"}}, components)
    assert not _untyped({"type": "string"}, components)
