"""Every ledger event kind is written somewhere, by name, and every move says which move it was (issue 17).

How "written somewhere" is shown: by reading the code (ast), not by running it. Exercising every kind would need a
path to each of a hundred kinds across seven apps (a fixity failure, a key rotation, an erasure, …) and would
silently miss a kind no test happens to reach; the scan below covers every kind by construction, and a kind added
without a writer fails it. A kind counts as written when its constant is used outside its own events module (a
service's `events.X`, an import, a workflow table's `Move(…, events.X)`), or inside a constructor of that module
that code outside it calls (`events.case_opened(…)`). The move kinds are then checked against the tables: every
move of every workflow names one registered kind of its own, which the workflow's `record` writes (the apps' flow
tests assert the kinds a real flow leaves in the log: cases, review, publicity requests).

The generic kinds written before issue 17 (`review.step`, `publicity.step`, …) stay registered for the entries
already in logs, each app listing them in `events.RETIRED`: nothing may write them any more.
"""

import ast
import importlib
import re
from pathlib import Path

from tests.test_workflow_matrix import _workflows
from zhifa.cases import events as cases_events
from zhifa.ledger.events import KINDS
from zhifa.publicity import events as publicity_events
from zhifa.review import events as review_events

ROOT = Path(__file__).resolve().parent.parent / "zhifa"
RETIRED = review_events.RETIRED | publicity_events.RETIRED | cases_events.RETIRED
CJK = re.compile(r"[\u4e00-\u9fff]")


def _kinds() -> dict[str, str]:
    """The registry less the `test.` family, which test modules register for themselves (ledger's tests)."""
    return {kind: label for kind, label in KINDS.items() if not kind.startswith("test.")}


def _sources() -> list[Path]:
    return [p for p in sorted(ROOT.rglob("*.py")) if "tests" not in p.parts and "migrations" not in p.parts]


def _definitions(tree: ast.Module) -> dict[str, str]:
    """NAME -> kind for every `NAME = register("kind", …)` at the module's top level."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "register"
                and node.value.args and isinstance(node.value.args[0], ast.Constant)):
            found[node.targets[0].id] = node.value.args[0].value
    return found


def _names_read(node: ast.AST) -> set[str]:
    """Bare names read in `node` (within a module: a constructor's kind, a service's own kinds)."""
    return {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}


def _event_refs(node: ast.AST) -> set[str]:
    """What `node` takes from an events module: `events.X`, `pub_events.X`, `from zhifa.cases.events import X`.
    Only these count across modules, so a service's own name that happens to match a constant (publicity's
    workflow REQUEST) is not taken for the kind."""
    refs = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id.endswith("events"):
            refs.add(sub.attr)
        elif isinstance(sub, ast.ImportFrom) and (sub.module or "").endswith("events"):
            refs.update(alias.name for alias in sub.names)
    return refs


def _scan():
    """(kind -> (defining file, NAME), per file: what it takes from events modules and the bare names it reads
    outside the registrations, per file: function name -> bare names its body reads)."""
    defined, refs, read, functions = {}, {}, {}, {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, kind in _definitions(tree).items():
            defined[kind] = (path, name)
        # Outside the registrations themselves (RETIRED lists a kind, it does not write it).
        body = ast.Module(body=[n for n in tree.body if not (isinstance(n, ast.Assign) and (
            _definitions(ast.Module(body=[n], type_ignores=[]))
            or any(getattr(t, "id", "") == "RETIRED" for t in n.targets)))], type_ignores=[])
        refs[path], read[path] = _event_refs(body), _names_read(body)
        functions[path] = {n.name: _names_read(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    return defined, refs, read, functions


def _writers(kind: str, defined, refs, read, functions) -> list[str]:
    """Where `kind` is written: the files outside its module that take it from there, and its module's
    constructors that code outside the module calls. A module that is not an events module (rules.services)
    writes its own kinds."""
    path, name = defined[kind]
    elsewhere = [p for p in refs if p != path]
    where = [str(p.relative_to(ROOT)) for p in elsewhere if name in refs[p]]
    for function, names in functions[path].items():
        if name in names and any(function in refs[p] for p in elsewhere):
            where.append(f"{path.relative_to(ROOT)}:{function}()")
    if path.name != "events.py" and name in read[path]:
        where.append(str(path.relative_to(ROOT)))
    return where


def test_every_registered_kind_is_defined_in_the_code_and_labelled_in_chinese():
    defined = _scan()[0]
    for path, _ in defined.values():  # a module registers its kinds when imported (rules.services, lazily)
        importlib.import_module(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    assert set(_kinds()) == set(defined), "a kind registered outside `NAME = register(…)` cannot be scanned"
    unlabelled = sorted(kind for kind, label in _kinds().items() if not CJK.search(label))
    assert not unlabelled, f"kinds without a Chinese label (pages show it through `event_label`): {unlabelled}"


def test_every_registered_kind_is_written_somewhere():
    scan = _scan()
    unwritten = sorted(kind for kind in _kinds() if kind not in RETIRED and not _writers(kind, *scan))
    assert not unwritten, f"registered kinds nothing writes: {unwritten}"


def test_the_retired_generic_kinds_stay_registered_and_are_no_longer_written():
    assert {"review.step", "publicity.step", "publicity.request", "publicity.annual_report",
            "cases.stage_advanced"} == RETIRED
    assert RETIRED <= set(KINDS)  # entries already in logs keep their label
    scan = _scan()
    written = {kind: _writers(kind, *scan) for kind in RETIRED}
    assert not any(written.values()), f"retired kinds still written: {written}"


def test_every_move_names_a_kind_of_its_own():
    """Each move of each workflow names a registered, current kind, and no two moves share one: a move's log
    entry says which move it was."""
    moves = [(w.name, m.name, m.event) for w in _workflows().values() for m in w.moves]
    assert len(moves) > 30
    wrong = [(w, m, e) for w, m, e in moves if e not in KINDS or e in RETIRED]
    assert not wrong, f"moves naming no kind, an unknown or a retired one: {wrong}"
    kinds = [e for _, _, e in moves]
    shared = sorted({e for e in kinds if kinds.count(e) > 1})
    assert not shared, f"kinds shared by several moves: {shared}"


def test_constructors_build_subjects_in_the_registered_families():
    """The subject families the scoped reads know (entry_scope.py): a constructor never invents one."""
    from types import SimpleNamespace

    assert cases_events.case_subject(SimpleNamespace(pk=7)) == cases_events.case_subject(7) == "cases.case:7"
    assert review_events.agency_subject(3) == "org.agency:3"
    one = SimpleNamespace(pk=5)
    assert publicity_events.publication_subject(one) == "publicity.publication:5"
    assert publicity_events.request_subject(one) == "publicity.request:5"
    assert publicity_events.report_subject(one) == "publicity.annual_report:5"
