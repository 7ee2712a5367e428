"""Every to-do item names its agency by id as well as by name (review #10): the overdue page and the cockpit group
by the id, since two counties' agencies may share a name (县公安局)."""

import ast
from pathlib import Path

import zhifa

ROOT = Path(zhifa.__file__).parent


def _item_calls():
    for path in sorted(ROOT.glob("*/todo.py")):
        if path.parent.name == "core":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Keywords a call passes through a dict literal (`common = {"agency": ..., "agency_id": ...}; item(**common)`).
        shared = {target.id: {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
                  for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                  for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "item":
                keywords = {k.arg for k in node.keywords if k.arg}
                for k in node.keywords:
                    if k.arg is None and isinstance(k.value, ast.Name):
                        keywords |= shared.get(k.value.id, set())
                yield f"{path.parent.name}/todo.py:{node.lineno}", keywords


def test_every_producer_of_a_todo_item_fills_its_agency_id():
    calls = list(_item_calls())
    assert len(calls) > 10  # the producers of cases, records, review, publicity, org, supervision, instruments
    missing = [where for where, keywords in calls if "agency_id" not in keywords]
    assert missing == []
