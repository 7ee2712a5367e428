"""Every move of the instrument's table, granted to the side that makes it and refused (logged once) to everyone
else (issue 20 §4; SUP-08): only the supervising bureau accepts, returns, decides re-examination and closes; only
the agency concerned reports and asks for re-examination."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.instruments import services
from zhifa.instruments.models import State, StepFile
from zhifa.ledger.models import Blob, Entry

from .conftest import issue, upload

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-08")]


def _denials():
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def _report(world, i, actor=None):
    return services.correction_report(instrument=i, actor=actor or world.head, text="已全部公示并建立台账。",
                                      files=[upload()])


def _today():
    return timezone.localdate()


AGENCY_MOVES = {
    "report": lambda w, i, a: services.correction_report(instrument=i, actor=a, text="已整改。", files=[upload()]),
    "request_review": lambda w, i, a: services.review_request(instrument=i, actor=a, reasons="事实认定有误。"),
}
BUREAU_MOVES = {
    "accept": lambda w, i, a: services.report_accept(instrument=i, actor=a, reason="整改到位。"),
    "return": lambda w, i, a: services.report_return(instrument=i, actor=a, reason="台账不全。"),
    "close": lambda w, i, a: services.instrument_close(instrument=i, actor=a, reason="约谈已完成。"),
    "decide_review": lambda w, i, a: services.review_decide(instrument=i, actor=a, outcome="upheld", reasons="事实清楚。"),
}


def _ready(world, move):
    """An instrument in a state where `move` is allowed."""
    i = issue(world, today=_today())
    if move in ("accept", "return"):
        i = _report(world, i)
    if move == "decide_review":
        i = services.review_request(instrument=i, actor=world.head, reasons="事实认定有误。")
    return i


@pytest.mark.parametrize("move", sorted(AGENCY_MOVES))
@pytest.mark.parametrize("who", ["head", "legal"])
def test_the_agencys_heads_make_the_agencys_moves(world, move, who):
    i = _ready(world, move)
    done = AGENCY_MOVES[move](world, i, getattr(world, who))
    assert done.state == {"report": State.REPORTED, "request_review": State.REVIEW_REQUESTED}[move]


@pytest.mark.parametrize("move", sorted(AGENCY_MOVES))
@pytest.mark.parametrize("who", ["sup", "officer", "head_a2"])
def test_others_cannot_make_the_agencys_moves(world, move, who):
    """The supervisor, an officer of the agency and another agency's head are refused, each refusal logged once,
    and nothing moves."""
    i = _ready(world, move)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        AGENCY_MOVES[move](world, i, getattr(world, who))
    assert _denials() == before + 1
    i.refresh_from_db()
    assert i.state == State.ISSUED


@pytest.mark.parametrize("move", sorted(BUREAU_MOVES))
@pytest.mark.parametrize("who", ["sup", "region"])
def test_the_supervising_bureau_makes_its_moves(world, move, who):
    """City A's supervisors, and the region's above them, act for the bureau that issued."""
    i = _ready(world, move)
    actor = world.sup if who == "sup" else world.users.region_supervisor
    done = BUREAU_MOVES[move](world, i, actor)
    assert done.state == {"accept": State.CLOSED, "return": State.RETURNED, "close": State.CLOSED,
                          "decide_review": State.UPHELD}[move]


@pytest.mark.parametrize("move", sorted(BUREAU_MOVES))
@pytest.mark.parametrize("who", ["county", "sup_b", "head", "nobody"])
def test_others_cannot_make_the_bureaus_moves(world, move, who):
    """A county supervisor below the issuing bureau, another city's supervisor, the agency's head and a user
    without a role are refused, each refusal logged once."""
    i = _ready(world, move)
    state = i.state
    actor = {"county": world.users.county_a1_supervisor, "sup_b": world.sup_b, "head": world.head,
             "nobody": world.users.nobody}[who]
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        BUREAU_MOVES[move](world, i, actor)
    assert _denials() == before + 1
    i.refresh_from_db()
    assert i.state == state


@pytest.mark.parametrize("who", ["county", "sup_b", "head", "officer"])
def test_only_the_bureaus_supervisors_issue(world, who):
    actor = {"county": world.users.county_a1_supervisor, "sup_b": world.sup_b, "head": world.head,
             "officer": world.officer}[who]
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        issue(world, actor=actor)
    assert _denials() == before + 1


def test_a_wrong_state_is_409_wrong_state(world):
    i = issue(world, today=_today())
    with pytest.raises(ZhifaError) as exc:
        services.report_accept(instrument=i, actor=world.sup, reason="")
    assert exc.value.code == "wrong_state" and exc.value.status == 409
    assert "待整改" in exc.value.message


def test_report_keeps_its_files_in_the_evidence_store_and_the_log(world):
    i = issue(world, today=_today())
    i = services.correction_report(instrument=i, actor=world.head, text="已整改。",
                                   files=[upload("台账.png"), upload("公示截图.png", b"\x89PNG\r\n\x1a\n" + b"1" * 64)])
    files = list(StepFile.objects.filter(step__instrument=i).select_related("blob"))
    assert [f.name for f in files] == ["台账.png", "公示截图.png"]
    assert all(Blob.objects.filter(pk=f.blob_id).exists() for f in files)
    entry = Entry.objects.get(subject=f"instruments.instrument:{i.pk}", kind="instruments.correction_reported")
    assert [f["name"] for f in json.loads(entry.payload)["data"]["files"]] == ["台账.png", "公示截图.png"]


def test_report_without_files_or_text_is_refused(world):
    i = issue(world, today=_today())
    with pytest.raises(ZhifaError) as exc:
        services.correction_report(instrument=i, actor=world.head, text="已整改。", files=[])
    assert exc.value.code == "instrument_report_files_required" and "证明材料" in exc.value.message
    with pytest.raises(ZhifaError) as exc:
        services.correction_report(instrument=i, actor=world.head, text=" ", files=[upload()])
    assert exc.value.code == "instrument_text_required"
    with pytest.raises(ZhifaError) as exc:
        services.correction_report(instrument=i, actor=world.head, text="x", files=[upload() for _ in range(11)])
    assert exc.value.code == "instrument_report_files_too_many"


def test_return_and_close_need_a_reason(world):
    i = _report(world, issue(world, today=_today()))
    with pytest.raises(ZhifaError) as exc:
        services.report_return(instrument=i, actor=world.sup, reason="")
    assert exc.value.code == "instrument_text_required" and "退回理由" in exc.value.message


def test_returned_then_reported_again_then_accepted(world):
    i = _report(world, issue(world, today=_today()))
    i = services.report_return(instrument=i, actor=world.sup, reason="台账不全。")
    i = _report(world, i)
    i = services.report_accept(instrument=i, actor=world.sup, reason="")
    assert i.state == State.CLOSED and i.closed_at is not None
    actions = list(i.steps.values_list("action", flat=True))
    assert actions == ["issue", "report", "return", "report", "accept"]


def test_review_request_late_or_of_a_summons_is_refused(world):
    i = issue(world, today=dt.date(2026, 9, 3))  # the review limit ended 17 September
    with pytest.raises(ZhifaError) as exc:
        services.review_request(instrument=i, actor=world.head, reasons="不服。", today=dt.date(2026, 9, 18))
    assert exc.value.code == "instrument_review_request_late"
    s = issue(world, kind="summons", today=_today())
    with pytest.raises(ZhifaError) as exc:
        services.review_request(instrument=s, actor=world.head, reasons="不服。")
    assert exc.value.code == "instrument_review_not_allowed"


def test_review_decision_changed_is_sealed_and_restarts_the_clock(world):
    """A re-examination decided in working days of the bureau's rules; changed, it is sealed as its own document
    and the agency's limit runs again from the decision."""
    i = issue(world, kind="decision", today=dt.date(2026, 9, 3))
    i = services.review_request(instrument=i, actor=world.head, reasons="决定事项过重。", today=dt.date(2026, 9, 10))
    assert i.review_decision_due_on == dt.date(2026, 10, 8)  # 15 working days: 14 in September, then 8 October
    with pytest.raises(ZhifaError) as exc:
        services.review_decide(instrument=i, actor=world.sup, outcome="changed", reasons="部分采纳。", requirement="")
    assert exc.value.code == "instrument_text_required"
    with pytest.raises(ZhifaError) as exc:
        services.review_decide(instrument=i, actor=world.sup, outcome="maybe", reasons="x")
    assert exc.value.code == "instrument_review_outcome_invalid"
    i = services.review_decide(instrument=i, actor=world.sup, outcome="changed", reasons="部分采纳。",
                               requirement="限期补充公示。", today=dt.date(2026, 9, 20))
    assert i.state == State.CHANGED and i.clock_from == dt.date(2026, 9, 20)
    assert i.due_on == dt.date(2026, 10, 20)
    numbers = list(i.documents.values_list("number", flat=True))
    assert numbers == ["甲司监决〔2026〕1号", "甲司监复〔2026〕1号"]
    i = _report(world, i)
    assert i.state == State.REPORTED


def test_review_revoked_ends_the_instrument(world):
    i = issue(world, today=_today())
    i = services.review_request(instrument=i, actor=world.head, reasons="事实认定有误。")
    i = services.review_decide(instrument=i, actor=world.sup, outcome="revoked", reasons="事实认定有误。")
    assert i.state == State.REVOKED and i.closed_at is not None
    with pytest.raises(ZhifaError) as exc:
        _report(world, i)
    assert exc.value.code == "wrong_state"
