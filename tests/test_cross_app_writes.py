"""A row of one app is written only by that app's services (ADR 0009): no code outside an app calls
`Model.objects.create/update/delete/…` on a model it imported from that app's `models`.

How: by reading the code (ast), as tests/test_event_kinds.py does. The import rules of ADR 0009 (direction, no
other app's web layer, selectors never import services) are import-linter contracts in pyproject.toml; this is the
part of the ADR that is not an import. `.save()` on an instance is not caught here (the scan cannot know the
instance's model): review holds that part. `demo` seeds every layer in bulk and is exempt.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "zhifa"
WRITES = {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
EXEMPT = {"demo", "core"}  # demo seeds; core's models are the shared kernel's bases and security events


def _foreign_models(tree: ast.Module, app: str) -> dict[str, str]:
    """The names this module imported from another app's `models`: name -> that app."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zhifa."):
            parts = node.module.split(".")
            if len(parts) == 3 and parts[2] == "models" and parts[1] not in (app, "core"):
                out.update({alias.asname or alias.name: parts[1] for alias in node.names})
    return out


def _manager_root(node: ast.AST) -> str | None:
    """`X.objects.…` (through any chain of queryset calls): X's name, else None."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    if isinstance(node, ast.Attribute) and node.attr == "objects" and isinstance(node.value, ast.Name):
        return node.value.id
    return None


def _cross_app_writes() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        app = path.relative_to(ROOT).parts[0]
        if app in EXEMPT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        foreign = _foreign_models(tree, app)
        if not foreign:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
                root = _manager_root(node.func.value)
                if root in foreign:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {root}.objects….{node.func.attr}()")
    return found


def test_no_app_writes_another_apps_rows_except_through_its_services():
    assert _cross_app_writes() == []


def test_the_scan_finds_a_cross_app_write():
    """The scan is not vacuous: a write of a case from publicity's code is reported."""
    source = "from zhifa.cases.models import Case\n\ndef f(pk):\n    Case.objects.filter(pk=pk).update(number='x')\n"
    tree = ast.parse(source)
    foreign = _foreign_models(tree, "publicity")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in WRITES]
    assert foreign == {"Case": "cases"} and [_manager_root(c.func.value) for c in calls] == ["Case"]
