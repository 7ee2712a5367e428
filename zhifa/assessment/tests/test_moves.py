"""Every move of the assessment's table, granted to the organising bureau's supervisors (the city's, and the region's
above it) and refused — logged once, nothing moved — to a county supervisor, another city's supervisor, an agency
head and an officer; bad input loses nothing; the qualitative scores are append-only; the result is sealed and each
agency sees its own (issue 21 §6; SUP-02)."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from zhifa.assessment import events, services
from zhifa.assessment.models import (
    AgencyScore,
    Assessment,
    AssessmentDocument,
    AssessmentStep,
    Outcome,
    QualitativeScore,
    State,
)
from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.org.tests.factories import AgencyFactory

from .conftest import IN_YEAR, YEAR, computed, opened

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]


def _denials():
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def _score(w, a, actor, points="2", reason="主动公开执法数据，群众满意度高。"):
    return services.qualitative_score(assessment=a, actor=actor, agency=w.tree.agency_a1, points=points, reason=reason)


MOVES = {
    "compute": (lambda w, a, u: services.assessment_compute(assessment=a, actor=u), State.OPEN, State.COMPUTED),
    "score": (lambda w, a, u: _score(w, a, u), State.COMPUTED, State.COMPUTED),
    "finalise": (lambda w, a, u: services.assessment_finalise(assessment=a, actor=u, summary="总体良好。"),
                 State.COMPUTED, State.FINALISED),
    "cancel": (lambda w, a, u: services.assessment_cancel(assessment=a, actor=u, reason="机构改革，另行组织。"),
               State.OPEN, State.CANCELLED),
}


def _ready(world, move):
    return opened(world) if MOVES[move][1] == State.OPEN else computed(world)


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("who", ["sup", "sup_r"])
def test_the_bureaus_supervisors_make_every_move(world, move, who):
    run, source, target = MOVES[move]
    a = _ready(world, move)
    assert a.state == source
    steps = AssessmentStep.objects.filter(assessment=a).count()
    run(world, a, getattr(world, who))
    a.refresh_from_db()
    assert a.state == target
    step = AssessmentStep.objects.filter(assessment=a).latest("id")
    assert step.action == move and step.entry.kind.startswith("assessment.")
    assert AssessmentStep.objects.filter(assessment=a).count() == steps + 1


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("who", ["sup_a1", "sup_b", "head", "officer", "nobody"])
def test_others_cannot_make_the_moves(world, move, who):
    run, source, _ = MOVES[move]
    a = _ready(world, move)
    steps, before = AssessmentStep.objects.count(), _denials()
    with pytest.raises(PermissionDeniedError):
        run(world, a, getattr(world, who))
    assert _denials() == before + 1
    a.refresh_from_db()
    assert a.state == source and AssessmentStep.objects.count() == steps


@pytest.mark.parametrize("who", ["sup_a1", "sup_b", "head"])
def test_only_the_bureaus_supervisors_open_an_assessment(world, who):
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        opened(world, actor=getattr(world, who))
    assert _denials() == before + 1 and not Assessment.objects.exists()


def test_opening_covers_the_subtree_and_is_logged(world):
    a = opened(world)
    assert set(a.agencies.all()) == {world.tree.agency_a1, world.tree.agency_a2, world.tree.agency_city_a}
    step = a.steps.get()
    assert step.action == "create" and step.entry.kind == events.CREATED and step.data == {"agencies": 3}


@pytest.mark.parametrize("year,code", [(1999, "assessment_year_invalid"), (YEAR + 1, "assessment_year_invalid"),
                                       ("2026", "assessment_year_invalid"), (True, "assessment_year_invalid")])
def test_bad_years_are_refused(world, year, code):
    with pytest.raises(ZhifaError) as exc:
        opened(world, year=year)
    assert exc.value.code == code and not Assessment.objects.exists()


def test_one_assessment_per_bureau_and_year_unless_cancelled(world):
    a = opened(world)
    with pytest.raises(ZhifaError) as exc:
        opened(world)
    assert exc.value.code == "assessment_already_open" and exc.value.status == 409
    services.assessment_cancel(assessment=a, actor=world.sup, reason="范围有误")
    assert opened(world).pk != a.pk


def test_a_non_bureau_cannot_organise(world):
    with pytest.raises(ZhifaError) as exc:
        services.assessment_create(actor=world.sup, bureau=world.tree.agency_city_a, year=YEAR)
    assert exc.value.code == "assessment_organiser_not_justice_bureau"


def test_wrong_states_are_refused(world):
    a = opened(world)
    with pytest.raises(WrongStateError):
        _score(world, a, world.sup)
    with pytest.raises(WrongStateError):
        services.assessment_finalise(assessment=a, actor=world.sup, summary="总体良好。")
    services.assessment_cancel(assessment=a, actor=world.sup, reason="另行组织")
    with pytest.raises(WrongStateError):
        services.assessment_compute(assessment=a, actor=world.sup)


@pytest.mark.parametrize("points,code", [("11", "assessment_qualitative_out_of_range"),
                                         ("-10.5", "assessment_qualitative_out_of_range"),
                                         ("abc", "assessment_qualitative_out_of_range"),
                                         ("NaN", "assessment_qualitative_out_of_range")])
def test_qualitative_points_outside_the_tables_bounds_are_refused(world, points, code):
    a = computed(world)
    with pytest.raises(ZhifaError) as exc:
        _score(world, a, world.sup, points=points)
    assert exc.value.code == code and not QualitativeScore.objects.exists()


def test_a_qualitative_score_needs_a_reason_and_an_assessed_agency(world):
    a = computed(world)
    with pytest.raises(ZhifaError) as exc:
        _score(world, a, world.sup, reason="  ")
    assert exc.value.code == "assessment_text_required"
    with pytest.raises(ZhifaError) as exc:
        services.qualitative_score(assessment=a, actor=world.sup, agency=world.tree.agency_b1, points="1",
                                   reason="不在范围内")
    assert exc.value.code == "assessment_agency_not_assessed" and not QualitativeScore.objects.exists()


def test_a_changed_qualitative_score_supersedes_and_both_stay(world):
    a = computed(world)
    first = _score(world, a, world.sup, points="3")
    with pytest.raises(ZhifaError) as exc:
        _score(world, a, world.sup, points="3")
    assert exc.value.code == "assessment_qualitative_unchanged"
    second = _score(world, a, world.sup, points="-2", reason="年内发生一起执法不规范引发的舆情。")
    assert second.supersedes == first and QualitativeScore.objects.count() == 2
    with pytest.raises(ZhifaError):
        first.save()  # append-only
    from zhifa.assessment.selectors import ranking
    row = next(r for r in ranking(a) if r.agency_id == world.tree.agency_a1.pk)
    assert row.qualitative == Decimal("-2.00") and row.total == row.points - 2


def test_finalising_seals_the_report_and_records_the_ranking(world):
    a = computed(world)
    _score(world, a, world.sup, points="-5", reason="执法过程中发生违法行为被通报。")
    a = services.assessment_finalise(assessment=a, actor=world.sup, summary="各机关总体良好。",
                                     today=dt.date(YEAR, 12, 1))
    doc = AssessmentDocument.objects.get(assessment=a)
    assert doc.number == f"甲司考〔{YEAR}〕1号" and doc.pages >= 1 and doc.entry.kind == events.DOCUMENT_SEALED
    from django.core.files.storage import default_storage
    from pyhanko.pdf_utils.reader import PdfFileReader
    with default_storage.open(doc.blob.storage_name, "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF") and len(PdfFileReader(io.BytesIO(data)).embedded_signatures) == 1
    from django.template.loader import render_to_string

    from zhifa.assessment import rendering
    from zhifa.assessment.selectors import ranking as rank
    html = render_to_string("assessment/print/report.html", rendering.report_context(
        a, number=doc.number, issued_on=doc.issued_on, summary="各机关总体良好。", rows=rank(a)))
    assert "第七十四条" in html and "甲一县市场监督管理局" in html and "执法过程中发生违法行为被通报" in html
    step = a.steps.get(action="finalise")
    ranking = step.data["ranking"]
    assert ranking[-1][0] == world.tree.agency_a1.pk  # 100 − 5: last of the three


def test_agencies_see_the_final_ranking_and_their_own_records_only(world, client):
    """Once final, the ranking is 通报 to every agency assessed (page, API, Excel, sealed report alike); the records
    behind another agency's figures are not theirs to read (docs/assessment.md)."""
    a = computed(world)
    client.force_login(world.head)
    before = _denials()
    assert client.get(f"/assessment/{a.pk}/").status_code == 404  # not final yet: nothing to see, logged
    assert _denials() == before + 1
    a = services.assessment_finalise(assessment=a, actor=world.sup, summary="总体良好。")
    r = client.get(f"/assessment/{a.pk}/")
    assert r.status_code == 200
    assert "甲一县市场监督管理局" in r.content.decode() and "甲二县市场监督管理局" in r.content.decode()
    assert client.get(f"/assessment/{a.pk}/agencies/{world.tree.agency_a1.pk}/").status_code == 200
    assert client.get(f"/assessment/{a.pk}/agencies/{world.tree.agency_a2.pk}/").status_code == 404
    api = client.get(f"/api/assessment/{a.pk}").json()
    assert sorted(r["agency_id"] for r in api["rows"]) == sorted(a.agencies.values_list("pk", flat=True))
    assert client.get(f"/api/assessment/{a.pk}/agencies/{world.tree.agency_a2.pk}/publicity_on_time").status_code == 404
    assert client.get(f"/assessment/{a.pk}/report.pdf").status_code == 200
    xlsx = client.get(f"/assessment/{a.pk}/results.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    client.force_login(world.sup_b)
    assert client.get(f"/assessment/{a.pk}/").status_code == 404


def test_the_api_makes_the_moves(world, client):
    client.force_login(world.sup)
    r = client.post("/api/assessment/", {"bureau_id": world.bureau_a.pk, "year": YEAR}, content_type="application/json")
    assert r.status_code == 201
    pk = r.json()["id"]
    r = client.post(f"/api/assessment/{pk}/actions/compute", {}, content_type="application/json")
    assert r.status_code == 200 and len(r.json()["rows"]) == 3 and r.json()["state"] == "computed"
    r = client.post(f"/api/assessment/{pk}/actions/score", {"agency_id": world.tree.agency_a2.pk, "points": "50",
                                                            "reason": "过多"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "assessment_qualitative_out_of_range"
    client.force_login(world.head)
    r = client.post(f"/api/assessment/{pk}/actions/finalise", {"summary": "x"}, content_type="application/json")
    assert r.status_code == 404  # an agency head reads nothing of an assessment not final


def test_outcomes_are_recorded_by_the_bureau_only_and_append_only(world):
    fields = {"agency": world.tree.agency_a1, "kind": "litigation", "result": "revoked", "decided_on": IN_YEAR,
              "reference": "（2026）甲行初12号", "reason": "判决撤销。"}
    for who in ("sup_b", "head", "officer"):
        with pytest.raises(PermissionDeniedError):
            services.outcome_record(actor=getattr(world, who), **fields)
    with pytest.raises(ZhifaError) as exc:
        services.outcome_record(actor=world.sup, **(fields | {"result": "complaint_founded"}))
    assert exc.value.code == "assessment_outcome_invalid"
    with pytest.raises(ZhifaError) as exc:
        services.outcome_record(actor=world.sup, **(fields | {"decided_on": dt.date.today() + dt.timedelta(days=3)}))
    assert exc.value.code == "assessment_outcome_invalid"
    with pytest.raises(ZhifaError) as exc:
        services.outcome_record(actor=world.sup, **(fields | {"reference": ""}))
    assert exc.value.code == "assessment_text_required" and not Outcome.objects.exists()
    o = services.outcome_record(actor=world.sup, **fields)
    assert o.entry.kind == events.OUTCOME_RECORDED
    fixed = services.outcome_record(actor=world.sup, **(fields | {"result": "upheld"}), supersedes=o)
    with pytest.raises(ZhifaError):
        services.outcome_record(actor=world.sup, **fields, supersedes=o)  # already superseded
    assert fixed.supersedes == o and Outcome.objects.count() == 2


def test_the_ranking_page_does_not_grow_queries_with_agencies(world, client, django_assert_max_num_queries):
    a = computed(world)
    client.force_login(world.sup)
    with django_assert_max_num_queries(40) as small:
        assert client.get(f"/assessment/{a.pk}/").status_code == 200
    few = len(small.captured_queries)
    for n in range(12):
        AgencyFactory(name=f"甲一县第{n}执法局", jurisdiction=world.tree.a1)
    b = services.assessment_compute(assessment=opened(world, year=YEAR - 1), actor=world.sup)
    assert AgencyScore.objects.filter(step=b.computation).count() == 15
    with django_assert_max_num_queries(few):
        assert client.get(f"/assessment/{b.pk}/").status_code == 200
    with django_assert_max_num_queries(few):
        assert client.get(f"/api/assessment/{b.pk}").status_code == 200
