"""The engine after the review of issue 20 (#7, #8, #16 and the event-driven cost): overlapping runs never apply out of
order, every change of an open alert is a step with its ledger entry, the nightly run writes in bounded batches, and
an event's run reads the open alerts once for all its models and the rule from a per-process cache."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from zhifa.ledger.models import Entry
from zhifa.supervision import events, services
from zhifa.supervision.models import Alert, AlertStep
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.services import run_models
from zhifa.supervision.tests.sup_world import POKE, make_case

DAY = dt.date(2026, 6, 1)


def hit(case, level=Level.WARNING, detail="立案已 80 天，未作出决定", due=DAY, evidence=None):
    return Hit(agency_id=case.agency_id, case_id=case.pk, level=level, detail=detail, due=due,
               evidence={"days": 80} if evidence is None else evidence)


def overtaken(planted, newer_hits, newer_run):
    """Make the next run's first evaluation read the current hits, then let the data change to `newer_hits` and a newer
    run (`newer_run()`) start and finish before the first one goes on with the view it read: two overlapping runs."""
    evaluate = type(planted).evaluate.__get__(planted)
    state = {"overtaken": False}

    def slow(ctx):
        view = list(evaluate(ctx))  # the older run's view, read before the data changed
        if not state["overtaken"]:
            state["overtaken"] = True
            planted.hits = newer_hits
            newer_run()
        yield from view

    planted.evaluate = slow


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
@pytest.mark.parametrize("older", ["event", "nightly"])
def test_an_older_run_never_overwrites_a_newer_one(desk, planted, older):
    """Review #7: a run that read the data before it changed and applies after a newer run has applied (an event's run
    and the nightly run, or two events for one case) does not put back its older view: what it writes, it evaluated
    again after the newer run committed."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    run_models(DAY, codes=["M98"])  # an open warning
    # The case is decided meanwhile: no hit any more; the newer run closes the alert before the older one applies.
    overtaken(planted, [], lambda: run_models(DAY, case_ids=[case.pk], codes=["M98"]))
    run_models(DAY, case_ids=[case.pk] if older == "event" else None, codes=["M98"])
    assert not Alert.objects.filter(case=case, state="open").exists()
    assert Alert.objects.filter(case=case).count() == 1
    # And the other way round: the newer run raises; the older one, which read a warning, does not lower it back.
    planted.hits = [hit(case)]
    run_models(DAY, codes=["M98"])
    overtaken(planted, [hit(case, Level.ALARM, "立案已 97 天，未作出决定")],
              lambda: run_models(DAY, case_ids=[case.pk], codes=["M98"]))
    run_models(DAY, case_ids=[case.pk] if older == "event" else None, codes=["M98"])
    alert = Alert.objects.get(case=case, state="open")
    assert (alert.level, alert.detail) == ("alarm", "立案已 97 天，未作出决定")
    assert [s.action for s in alert.steps.order_by("id")] == ["open", "raise"]


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_new_detail_due_date_or_evidence_is_a_refresh_step_with_its_entry(desk, planted):
    """Review #8: nothing of an open alert changes without a step. Same level, new words or figures: a "refresh" move
    with its own ledger kind, its step carrying the detail, due date and evidence it recorded; the earlier step keeps
    the earlier ones."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    run_models(DAY, codes=["M98"])
    planted.hits = [hit(case, detail="立案已 81 天，未作出决定", due=DAY + dt.timedelta(days=9),
                        evidence={"days": 81, "ratio": 0.9})]
    assert run_models(DAY, case_ids=[case.pk], codes=["M98"])["M98"]["updated"] == 1
    alert = Alert.objects.get(case=case)
    assert (alert.level, alert.detail, alert.due, alert.evidence) == (
        "warning", "立案已 81 天，未作出决定", DAY + dt.timedelta(days=9), {"days": 81, "ratio": 0.9})
    opened, refreshed = alert.steps.order_by("id")
    assert (refreshed.action, refreshed.from_level, refreshed.to_level) == ("refresh", "warning", "warning")
    assert (opened.detail, opened.due, opened.evidence) == ("立案已 80 天，未作出决定", DAY, {"days": 80})
    assert (refreshed.detail, refreshed.due, refreshed.evidence) == (
        "立案已 81 天，未作出决定", DAY + dt.timedelta(days=9), {"days": 81, "ratio": 0.9})
    entry = Entry.objects.get(pk=refreshed.entry_id)
    assert entry.kind == events.REFRESHED and entry.subject == f"cases.case:{case.pk}"
    # The ledger's canonical JSON has no floats: a ratio is logged as its decimal string.
    assert '"evidence":{"days":81,"ratio":"0.9"}' in entry.payload and '"due":"2026-06-10"' in entry.payload
    # And what it replaced, so the entry reads on its own (review M6).
    assert ('"data":{"from_detail":"立案已 80 天，未作出决定","from_due":"2026-06-01","from_evidence":{"days":80}}'
            in entry.payload)
    # A level change and new words together: one raise step that carries the new words.
    planted.hits = [hit(case, Level.ALARM, "立案已 97 天，未作出决定", evidence={"days": 97})]
    run_models(DAY, codes=["M98"])
    last = alert.steps.order_by("id").last()
    assert (last.action, last.detail, last.evidence) == ("raise", "立案已 97 天，未作出决定", {"days": 97})


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["event", "nightly"])
def test_unchanged_data_writes_nothing(desk, planted, scope):
    """Review #8: when the hits match the open alerts nothing is written (no step, no entry, no update; on SQLite no
    transaction either, on PostgreSQL only the event's short read under shared subject locks), evidence compared as
    the database keeps it (a tuple is the list it is stored as)."""
    case = make_case(desk)
    planted.hits = [hit(case, evidence={"dates": ("2026-05-01", "2026-05-20")})]
    run_models(DAY, codes=["M98"])
    entries, steps = Entry.objects.count(), AlertStep.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        summary = run_models(DAY, case_ids=[case.pk] if scope == "event" else None, codes=["M98"])["M98"]
    assert summary["updated"] == 0
    assert (Entry.objects.count(), AlertStep.objects.count()) == (entries, steps)
    written = [q["sql"] for q in ctx.captured_queries
               if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert written == []
    savepoints = [q for q in ctx.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]
    assert len(savepoints) == (1 if connection.vendor == "postgresql" and scope == "event" else 0)


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_nightly_run_writes_in_batches_of_subjects(desk, planted, monkeypatch):
    """Review #16: the nightly run holds no transaction over every case: the subjects to change are taken in batches,
    each its own transaction (a savepoint inside the test's), evaluated again over that batch only."""
    monkeypatch.setattr(services, "RUN_BATCH", 2)
    cases = [make_case(desk) for _ in range(5)]
    planted.hits = [hit(c) for c in cases]
    with CaptureQueriesContext(connection) as ctx:
        assert run_models(DAY, codes=["M98"])["M98"]["opened"] == 5
    savepoints = [q for q in ctx.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 3
    ids = sorted(c.pk for c in cases)
    assert [sorted(c.case_ids) for c in planted.contexts[1:]] == [ids[:2], ids[2:4], ids[4:]]
    assert planted.contexts[0].case_ids is None  # the evaluation over everything, without a lock


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_failing_batch_rolls_back_alone(desk, planted, monkeypatch):
    """A batch that fails is rolled back and reported; the batches written before it stay."""
    monkeypatch.setattr(services, "RUN_BATCH", 2)
    cases = [make_case(desk) for _ in range(4)]
    planted.hits = [hit(c) for c in cases]
    evaluate = type(planted).evaluate.__get__(planted)

    def third_call_fails(ctx):
        if len(planted.contexts) == 2:  # the second batch's evaluation (the first was over everything)
            planted.contexts.append(ctx)
            raise RuntimeError("boom")
        yield from evaluate(ctx)

    planted.evaluate = third_call_fails
    summary = run_models(DAY, codes=["M98"])["M98"]
    assert "boom" in summary["error"] and summary["opened"] == 2
    assert Alert.objects.filter(state="open").count() == 2


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_an_events_run_reads_the_open_alerts_once_for_all_its_models(desk, planted, planted_agency):
    """The event-driven cost: one read of the open alerts for every model of the run, not one per model."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    planted_agency.hits = [Hit(agency_id=case.agency_id, case_id=None, level=Level.NOTICE, detail="不予处罚率 40%")]
    run_models(DAY, codes=["M97", "M98"])
    with CaptureQueriesContext(connection) as ctx:
        summary = run_models(DAY, case_ids=[case.pk], codes=["M97", "M98"])
    assert all(row["opened"] == 0 and "error" not in row for row in summary.values())
    reads = [q for q in ctx.captured_queries if 'FROM "supervision_alert"' in q["sql"]]
    assert len(reads) == 1


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_an_events_kind_runs_only_the_models_it_can_trigger(desk, planted, planted_agency):
    """`event_kind`: the models whose triggers do not name the kind are not evaluated at all."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    summary = run_models(DAY, case_ids=[case.pk], event_kind=POKE)
    assert set(summary) == {"M98"} and not planted_agency.contexts
    assert run_models(DAY, case_ids=[case.pk], event_kind="ledger.log_audit") == {}


@pytest.mark.req("SUP-04")
@pytest.mark.django_db(transaction=True)
def test_the_rule_is_read_once_per_process_until_it_changes(desk, planted, tree, users):
    """The rule `supervision.models` is kept by the process between runs (one small aggregate per run checks it is
    unchanged); a new version is seen by the next run."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    services._rules_cached = None
    run_models(DAY, case_ids=[case.pk], codes=["M98"])
    with CaptureQueriesContext(connection) as ctx:
        run_models(DAY, case_ids=[case.pk], codes=["M98"])
    rule_reads = [q["sql"] for q in ctx.captured_queries if "rules_ruleversion" in q["sql"]]
    assert len(rule_reads) == 1 and "COUNT(" in rule_reads[0].upper()
    services.model_configure(actor=users.city_a_supervisor, jurisdiction=tree.city_a, code="M98", enabled=False,
                             params={}, effective_from=DAY, source="某市司法局通知（2026）第3号")
    assert run_models(DAY, case_ids=[case.pk], codes=["M98"])["M98"]["closed"] == 1
    services._rules_cached = None


@pytest.mark.req("SUP-04")
@pytest.mark.django_db(transaction=True)
def test_a_run_writing_a_subject_holds_off_every_other_run_over_it(desk, planted):
    """Review #7 with two connections: while one run writes a case's alerts (its transaction, under the subject's
    lock), another run over the same case waits, then evaluates what the first committed. PostgreSQL: an advisory lock
    per subject; SQLite: the one write lock BEGIN IMMEDIATE takes."""
    case = make_case(desk)
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                services._lock_subjects("case", [case.pk])
                inside.set()
                release.wait(10)
                order.append("first")
        finally:
            connections.close_all()

    def second():
        try:
            inside.wait(10)
            with transaction.atomic():
                services._lock_subjects("case", [case.pk])
                order.append("second")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(10)
    threads[1].join(0.5)
    assert order == []  # the second run is held off while the first holds the subject
    release.set()
    for t in threads:
        t.join(10)
    assert order == ["first", "second"]


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_models_of_an_events_run_share_one_memo_and_the_locked_pass_a_fresh_one(desk, planted, planted_agency):
    """Context.memo: the models of an event's run may keep a read for each other; what the engine evaluates again
    under the lock never sees a read from before it."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    run_models(DAY, case_ids=[case.pk], codes=["M97", "M98"])
    first_pass = planted.contexts[0].memo
    assert first_pass is planted_agency.contexts[0].memo
    assert planted.contexts[1].memo is not first_pass  # the batch that opened the alert, under the lock


@pytest.mark.req("SUP-04")
@pytest.mark.django_db(transaction=True)
def test_two_runs_on_two_connections_apply_in_the_order_they_evaluated(desk, planted):
    """Review #7 end to end, two threads with their own connections: run A evaluates a warning under its lock and is
    held there; meanwhile the data turns into an alarm and run B starts over the same case. B cannot read A's
    half-written state nor write before A commits; then it evaluates again and raises. The alarm stays."""
    case = make_case(desk)
    under_lock, go_on = threading.Event(), threading.Event()
    evaluate = type(planted).evaluate.__get__(planted)
    first_thread = {}

    def held(ctx):
        view = list(evaluate(ctx))
        # A's second evaluation is the one under its lock: hold it there until B has started.
        if threading.current_thread() is first_thread.get("t") and len(planted.contexts) == 2:
            under_lock.set()
            go_on.wait(10)
        yield from view

    planted.evaluate = held
    planted.hits = [hit(case)]
    results = {}

    def run(name):
        try:
            results[name] = run_models(DAY, case_ids=[case.pk], codes=["M98"])["M98"]
        finally:
            connections.close_all()

    first_thread["t"] = threading.Thread(target=run, args=("a",))
    first_thread["t"].start()
    assert under_lock.wait(10)
    planted.hits = [hit(case, Level.ALARM, "立案已 97 天，未作出决定")]
    second = threading.Thread(target=run, args=("b",))
    second.start()
    second.join(0.5)
    assert "b" not in results  # held off by A's lock (PostgreSQL: its read; SQLite: its write)
    go_on.set()
    first_thread["t"].join(10)
    second.join(10)
    assert results["a"]["opened"] == 1 and results["b"]["raised"] == 1
    alert = Alert.objects.get(case=case, state="open")
    assert alert.level == "alarm"
    assert [s.action for s in alert.steps.order_by("id")] == ["open", "raise"]


@pytest.mark.django_db
def test_the_engine_reads_the_primary_even_after_a_replica_page(desk, planted, monkeypatch):
    """An event's run may follow a request whose reads go to the replica: the engine reads the primary (a lagging
    replica would undo a newer run), and the request's choice is given back afterwards."""
    from zhifa.core import db_router

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    case = make_case(desk)
    seen = []
    evaluate = type(planted).evaluate.__get__(planted)

    def watching(ctx):
        seen.append(db_router.reads_on_replica())
        yield from evaluate(ctx)

    planted.evaluate = watching
    db_router.use_replica_reads(True)
    try:
        run_models(DAY, case_ids=[case.pk], codes=["M98"])
        assert seen == [False] and db_router.reads_on_replica()
    finally:
        db_router.use_replica_reads(False)


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_decision_day_is_read_once_for_the_models_of_one_run(desk):
    """problems._shared.decided_at through Context.memo: the six models that count from the decision day (M05, M10,
    M11, M12, M19, M24) read it once per event's run, not six times; a copy each, so no model changes another's."""
    from zhifa.supervision.problems._shared import decided_at
    from zhifa.supervision.registry import Context

    case = make_case(desk)
    ctx = Context(today=DAY, case_ids=[case.pk], agency_ids=None, params=lambda agency_id: {}, memo={})
    with CaptureQueriesContext(connection) as first:
        decided = decided_at(ctx)
    decided[case.pk] = "changed by one model"
    with CaptureQueriesContext(connection) as second:
        again = decided_at(ctx)
    assert len(first.captured_queries) == 2 and len(second.captured_queries) == 0
    assert case.pk not in again
    other = Context(today=DAY + dt.timedelta(days=1), case_ids=[case.pk], agency_ids=None,
                    params=lambda agency_id: {}, memo=ctx.memo)
    with CaptureQueriesContext(connection) as third:
        decided_at(other)
    assert len(third.captured_queries) == 2  # another day is another read
