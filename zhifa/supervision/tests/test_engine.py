"""The engine (issue 20 §1, §3; SUP-04): alerts follow the models' hits — opened, raised, lowered, closed — within the
run's scope only, and every change is a step with its typed ledger entry."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from zhifa.core.testing import query_count
from zhifa.ledger.models import Entry
from zhifa.ledger.services import record_event
from zhifa.supervision import events
from zhifa.supervision.models import Alert
from zhifa.supervision.registry import Hit, Level
from zhifa.supervision.services import run_models
from zhifa.supervision.tests.sup_world import POKE, make_case

DAY = dt.date(2026, 6, 1)


def hit(case, level=Level.WARNING, detail="立案已 80 天，未作出决定"):
    return Hit(agency_id=case.agency_id, case_id=case.pk, level=level, detail=detail, due=DAY, evidence={"days": 80})


def kinds(alert):
    return [Entry.objects.get(pk=s.entry_id).kind for s in alert.steps.order_by("id")]


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_hit_opens_one_alert_then_it_is_raised_lowered_and_closed(desk, planted):
    """A hit opens an alert; a higher level raises it, a lower one lowers it; no hit closes it, "数据不再触发";
    each move is a step with its own ledger kind."""
    case = make_case(desk)
    planted.hits = [hit(case)]
    assert run_models(DAY, codes=["M98"])["M98"]["opened"] == 1
    alert = Alert.objects.get(case=case, model="M98")
    assert (alert.state, alert.level, alert.agency_id) == ("open", "warning", desk.agency.pk)
    assert run_models(DAY, codes=["M98"])["M98"] | {"seconds": 0} == {
        "hits": 1, "opened": 0, "raised": 0, "lowered": 0, "closed": 0, "updated": 0, "seconds": 0}
    planted.hits = [hit(case, Level.ALARM, "立案已 97 天，未作出决定")]
    assert run_models(DAY, codes=["M98"])["M98"]["raised"] == 1
    alert.refresh_from_db()
    assert (alert.level, alert.detail) == ("alarm", "立案已 97 天，未作出决定")
    planted.hits = [hit(case, Level.NOTICE)]
    assert run_models(DAY, codes=["M98"])["M98"]["lowered"] == 1
    planted.hits = []
    assert run_models(DAY, codes=["M98"])["M98"]["closed"] == 1
    alert.refresh_from_db()
    assert (alert.state, alert.close_reason, alert.closed_by) == ("closed", "数据不再触发", None)
    assert kinds(alert) == [events.OPENED, events.RAISED, events.LOWERED, events.CLOSED_AUTO]
    assert [(s.from_level, s.to_level) for s in alert.steps.order_by("id")] == [
        ("", "warning"), ("warning", "alarm"), ("alarm", "notice"), ("notice", "notice")]
    # A new hit after the close is a new alert (one open alert per case and model, any number closed).
    planted.hits = [hit(case)]
    run_models(DAY, codes=["M98"])
    assert Alert.objects.filter(case=case, model="M98").count() == 2


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_database_holds_one_open_alert_per_case_and_model(desk, planted):
    case = make_case(desk)
    planted.hits = [hit(case)]
    run_models(DAY, codes=["M98"])
    first = Alert.objects.get(case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(agency=first.agency, case=case, model="M98", level="notice", detail="x",
                             opened_at=first.opened_at, level_changed_at=first.opened_at)


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_two_hits_for_one_case_keep_the_highest_level(desk, planted):
    case = make_case(desk)
    planted.hits = [hit(case, Level.NOTICE), hit(case, Level.ALARM)]
    run_models(DAY, codes=["M98"])
    assert list(Alert.objects.values_list("level", flat=True)) == ["alarm"]


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_run_over_one_case_never_closes_another_cases_alert(desk, planted):
    """An event-driven run over case 7 evaluates case 7 only: case 8's alert stays open though the model, asked about
    case 7 alone, did not report it."""
    seven, eight = make_case(desk), make_case(desk)
    planted.hits = [hit(seven), hit(eight)]
    run_models(DAY, codes=["M98"])
    planted.hits = [hit(eight)]  # case 7 no longer triggers
    summary = run_models(DAY, case_ids=[seven.pk], codes=["M98"])["M98"]
    assert summary["closed"] == 1
    assert planted.contexts[-1].case_ids == frozenset({seven.pk})
    assert Alert.objects.get(case=seven).state == "closed"
    assert Alert.objects.get(case=eight).state == "open"
    planted.hits = []
    run_models(DAY, agency_ids=[desk.agency.pk + 1000], codes=["M98"])  # another agency's run: nothing of ours
    assert Alert.objects.get(case=eight).state == "open"


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_agency_scope_models_hold_one_alert_per_agency(desk, tree, planted_agency):
    planted_agency.hits = [Hit(agency_id=tree.agency_a1.pk, case_id=None, level=Level.WARNING, detail="不予处罚率 40%")]
    run_models(DAY, codes=["M97"])
    alert = Alert.objects.get(model="M97")
    assert (alert.case_id, alert.agency_id, alert.scope) == (None, tree.agency_a1.pk, "agency")
    # A case-scoped (event) run gives the agency model the agencies of the cases, not the cases.
    case = make_case(desk)
    run_models(DAY, case_ids=[case.pk], codes=["M97"])
    assert planted_agency.contexts[-1].case_ids is None
    assert planted_agency.contexts[-1].agency_ids == frozenset({tree.agency_a1.pk})
    assert Alert.objects.get(model="M97").state == "open"


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_failing_model_is_reported_and_the_others_still_run(desk, planted, planted_agency, caplog):
    case = make_case(desk)
    planted.hits = [hit(case)]

    def broken(ctx):
        raise RuntimeError("boom")

    planted_agency.evaluate = broken
    summary = run_models(DAY, codes=["M97", "M98"])
    assert "boom" in summary["M97"]["error"]
    assert summary["M98"]["opened"] == 1
    assert "M97 failed" in caplog.text


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_nightly_run_reads_in_a_fixed_number_of_queries(desk, planted):
    """Reads do not grow with the cases: the rule once, the agencies once, the open alerts once per model. Writes are
    one ledger entry per changed alert (the ledger's one writer) and bulk rows."""
    def reads(n):
        cases = [make_case(desk) for _ in range(n)]
        planted.hits = [hit(c) for c in cases]
        run_models(DAY, codes=["M98"])  # open them all
        planted.hits = [hit(c) for c in cases]
        return query_count(lambda: run_models(DAY, codes=["M98"]))  # nothing changes: reads only

    assert reads(2) == reads(12)


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_an_event_about_a_case_reruns_its_models_after_commit(desk, planted, django_capture_on_commit_callbacks):
    """Event-driven evaluation: after the event's transaction commits, the models whose triggers name its kind run for
    the case the event is about, and only for it."""
    seven, eight = make_case(desk), make_case(desk)
    planted.hits = [hit(seven), hit(eight)]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            record_event(POKE, subject=f"cases.case:{seven.pk}", payload={})
            assert not Alert.objects.exists()  # nothing before the commit
    assert list(Alert.objects.values_list("case_id", flat=True)) == [seven.pk]
    assert planted.contexts[-1].case_ids == frozenset({seven.pk})


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_failing_model_never_breaks_the_users_transaction(desk, planted, django_capture_on_commit_callbacks, caplog):
    case = make_case(desk)

    def broken(ctx):
        raise RuntimeError("model bug")

    planted.evaluate = broken
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            entry = record_event(POKE, subject=f"cases.case:{case.pk}", payload={})
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert "model bug" in caplog.text


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_events_of_other_kinds_cost_nothing(desk, planted, django_capture_on_commit_callbacks):
    case = make_case(desk)
    planted.hits = [hit(case)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_event("ledger.log_audit", subject=f"cases.case:{case.pk}", payload={})
    assert not planted.contexts and not Alert.objects.exists()
    assert not [c for c in callbacks if getattr(c, "__name__", "") == "run_pending"]


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_a_level_out_of_the_vocabulary_is_the_models_error(desk, planted):
    case = make_case(desk)
    planted.hits = [Hit(agency_id=case.agency_id, case_id=case.pk, level="red", detail="x")]
    assert "error" in run_models(DAY, codes=["M98"])["M98"]
    assert not Alert.objects.exists()
