"""Every indicator against planted data: the figure, the points, and the records behind it (issue 21 §6; SUP-02).
Records are written directly (the builders of the supervision tests), in and out of the assessed year, for the
agency assessed (甲一县) and another (甲二县), so that each figure is traced back to exactly its rows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from zhifa.assessment import indicators, services
from zhifa.assessment.models import Figure
from zhifa.publicity.models import Publication
from zhifa.supervision.models import Alert
from zhifa.supervision.tests import s3_world as b

from .conftest import IN_YEAR, YEAR, opened

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]

PERIOD = indicators.Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))


def _publication(desk, *, decided, due, published=None, state="published", agency=None):
    agency = agency or desk.agency
    case = b.case(desk, opened=decided, agency=agency)
    entry = b.entry(desk, "publicity.published") if state in ("published", "superseded", "withdrawn") else None
    return Publication.objects.create(kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path,
                                      case=case, title="某某处罚决定", state=state, decided_on=decided, due_on=due,
                                      published_entry=entry, published_at=b.at(published) if published else None)


def test_on_time_publicity_rate_traced_to_its_publications(world):
    desk = world.desk
    on_time = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), published=IN_YEAR)
    late = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9),
                        published=IN_YEAR + dt.timedelta(days=20))
    exempted = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), state="exempted")
    unpublished = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), state="collected")
    _publication(desk, decided=dt.date(YEAR - 1, 12, 20), due=dt.date(YEAR, 1, 5), published=dt.date(YEAR - 1, 12, 21))
    other = _publication(desk, decided=IN_YEAR, due=IN_YEAR, published=IN_YEAR, agency=world.tree.agency_a2)
    out = indicators.publicity_on_time([desk.agency.pk, world.tree.agency_a2.pk], PERIOD)
    r = out[desk.agency.pk]
    assert sorted(r.records) == sorted([on_time.pk, late.pk, exempted.pk, unpublished.pk])
    assert sorted(r.hits) == sorted([on_time.pk, exempted.pk]) and r.value == 0.5
    assert out[world.tree.agency_a2.pk].records == [other.pk] and out[world.tree.agency_a2.pk].value == 1.0


def test_av_coverage_traced_to_the_mandatory_records(world):
    desk = world.desk
    moment = b.at(IN_YEAR)
    case = b.case(desk, opened=IN_YEAR)
    covered = b.document(desk, case, "seizure_decision", b.on_site(desk, moment), moment)
    bare = b.document(desk, case, "seizure_decision", b.on_site(desk, moment), moment)
    corrected_from = b.document(desk, case, "seizure_decision", b.on_site(desk, moment), moment)
    corrected = b.document(desk, case, "seizure_decision", b.on_site(desk, moment), moment, supersedes=corrected_from)
    b.document(desk, case, "inspection_record", b.on_site(desk, moment), moment)  # not on the mandatory list
    b.recording(desk, case, started=moment, uploaded=moment, document_=covered)
    b.recording(desk, case, started=moment, uploaded=moment, document_=corrected_from)
    b.recording(desk, case, started=moment, uploaded=moment, document_=bare, minutes=0)  # no duration: a still
    r = indicators.av_coverage([desk.agency.pk], PERIOD)[desk.agency.pk]
    assert sorted(r.records) == sorted([covered.pk, bare.pk, corrected.pk])
    assert sorted(r.hits) == sorted([covered.pk, corrected.pk]) and r.value == pytest.approx(2 / 3)


def test_review_coverage_traced_to_the_major_cases(world):
    desk = world.desk
    reviewed, unreviewed, minor = (b.case(desk, opened=IN_YEAR) for _ in range(3))
    with time_machine.travel(b.at(IN_YEAR), tick=False):
        b.determination(desk, reviewed, is_major=True)
        b.determination(desk, unreviewed, is_major=True)
        b.determination(desk, minor, is_major=False)
    b.review(desk, reviewed, state="passed", passed=b.at(IN_YEAR, 15))
    b.review(desk, unreviewed, state="submitted")
    r = indicators.review_coverage([desk.agency.pk], PERIOD)[desk.agency.pk]
    assert sorted(r.records) == sorted([reviewed.pk, unreviewed.pk]) and r.hits == [reviewed.pk] and r.value == 0.5


def test_alert_correction_traced_to_the_alerts(world):
    desk = world.desk
    now = b.at(IN_YEAR)

    def alert(state, agency=desk.agency, opened=now):
        return Alert.objects.create(agency=agency, model="M08", scope="agency", level="warning", detail="未按期公示",
                                    opened_at=opened, level_changed_at=opened, state=state)
    closed = alert("closed")
    still_open = alert("open")
    alert("closed", opened=b.at(dt.date(YEAR - 1, 6, 1)))
    r = indicators.alert_correction([desk.agency.pk], PERIOD)[desk.agency.pk]
    assert sorted(r.records) == sorted([closed.pk, still_open.pk]) and r.hits == [closed.pk] and r.value == 0.5


def _outcome(world, **kw):
    fields = {"agency": world.desk.agency, "kind": "reconsideration", "result": "revoked", "decided_on": IN_YEAR,
              "reference": "甲市复决〔2026〕3号", "reason": "事实不清，撤销原处罚决定。"} | kw
    return services.outcome_record(actor=world.sup, **fields)


def test_reconsideration_and_litigation_outcomes_counted_from_the_bureaus_records(world):
    revoked = _outcome(world)
    upheld = _outcome(world, kind="litigation", result="upheld", reference="（2026）甲行初5号")
    wrong = _outcome(world, result="changed", reference="甲市复决〔2026〕4号")
    corrected = _outcome(world, result="upheld", reference="甲市复决〔2026〕4号", supersedes=wrong,
                         reason="登记有误：复议决定维持原处罚。")
    _outcome(world, decided_on=dt.date(YEAR - 1, 5, 1))
    r = indicators.adverse_outcomes([world.desk.agency.pk], PERIOD)[world.desk.agency.pk]
    assert sorted(r.records) == sorted([revoked.pk, upheld.pk, corrected.pk]) and r.hits == [revoked.pk]
    assert r.value == 1.0
    item = {"weight": 10, "scoring": {"method": "deduct", "per": 2}}
    assert indicators.points_for(r, item) == Decimal("8.00")


def test_complaints_upheld_counted_from_the_bureaus_findings(world):
    founded = _outcome(world, kind="complaint", result="complaint_founded", reference="投诉 T2026000123")
    _outcome(world, kind="complaint", result="complaint_unfounded", reference="投诉 T2026000124")
    r = indicators.complaints_upheld([world.desk.agency.pk], PERIOD)[world.desk.agency.pk]
    assert r.hits == [founded.pk] and r.value == 1.0 and r.denominator == 2


def test_evaluation_scores_read_from_the_evaluation_app(world, monkeypatch):
    from zhifa.evaluation.selectors import AgencyResult

    seen = {}

    def results(ids, date_from, date_to):
        seen.update(ids=ids, period=(date_from, date_to))
        return {world.desk.agency.pk: AgencyResult(files=3, mean_score=84.5, excellent=1, passed=1, failed=1,
                                                   file_ids=(11, 12, 13))}
    monkeypatch.setattr(indicators, "evaluation_results", results)
    r = indicators.evaluation_mean([world.desk.agency.pk], PERIOD)[world.desk.agency.pk]
    assert r.value == 84.5 and r.records == [11, 12, 13] and seen["period"] == (PERIOD.date_from, PERIOD.date_to)
    item = {"weight": 20, "scoring": {"method": "linear", "zero_at": 60, "full_at": 90}}
    assert indicators.points_for(r, item) == Decimal("16.33")


def test_the_evaluation_app_answers_the_signature_used(world):
    """The real selector (evaluation.selectors.agency_results) answers the call as made: no results, no files."""
    assert indicators.evaluation_results([world.desk.agency.pk], PERIOD.date_from, PERIOD.date_to) == {}


@pytest.mark.parametrize("value,points", [(None, "15.00"), (1.0, "15.00"), (0.8, "7.50"), (0.6, "0.00"),
                                          (0.2, "0.00")])
def test_linear_scoring_between_thresholds(value, points):
    item = {"weight": 15, "scoring": {"method": "linear", "zero_at": 0.6, "full_at": 1.0}}
    assert indicators.points_for(indicators.Result(value=value), item) == Decimal(points)


def test_no_data_scores_zero_where_the_table_says_so():
    item = {"weight": 15, "scoring": {"method": "linear", "zero_at": 0.6, "full_at": 1.0}, "if_empty": "zero"}
    assert indicators.points_for(None, item) == Decimal("0.00")


def test_a_computed_figure_is_traced_back_to_its_records_on_the_page_and_the_api(world, client):
    """The assessment stores each figure with its records; the trace page and the API list them."""
    desk = world.desk
    on_time = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), published=IN_YEAR)
    late = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9),
                        published=IN_YEAR + dt.timedelta(days=30))
    a = services.assessment_compute(assessment=opened(world), actor=world.sup)
    f = Figure.objects.get(step=a.computation, agency=desk.agency, indicator="publicity_on_time")
    assert sorted(f.records) == sorted([on_time.pk, late.pk]) and f.hits == [on_time.pk]
    assert f.value == 0.5 and f.points == Decimal("0.00") and f.source == "publicity.publication"
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/agencies/{desk.agency.pk}/publicity_on_time/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "某某处罚决定" in text and str(late.pk) in text and str(on_time.pk) in text
    api = client.get(f"/api/assessment/{a.pk}/agencies/{desk.agency.pk}/publicity_on_time").json()
    assert sorted(api["records"]) == sorted([on_time.pk, late.pk]) and api["hits"] == [on_time.pk]
    assert api["value"] == 0.5 and api["total_records"] == 2
