"""Two API schemas of one name become one component of the OpenAPI document, and the later silently describes the
other's responses: the instruments' DocumentOut replaced the cases' in /api/docs, so a case's documents "lacked"
the instrument document's `kind` (caught by the schema fuzzing). Every name a schema is published under describes
one shape."""

import inspect
from collections import defaultdict

from ninja import Schema


def _schemas():
    import config.api  # noqa: F401 — imports every app's api module, registering its router

    seen = set()
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        module = inspect.getmodule(cls)
        if module and module.__name__.startswith(("zhifa.", "config.")) and module.__name__.rsplit(".", 1)[-1].startswith("api"):
            yield cls


def test_no_two_different_api_schemas_share_a_name():
    by_name = defaultdict(list)
    for cls in _schemas():
        by_name[cls.__name__].append(cls)
    clashes = {name: [f"{c.__module__}" for c in classes] for name, classes in by_name.items()
               if len({str(c.model_json_schema()) for c in classes}) > 1}
    assert not clashes
