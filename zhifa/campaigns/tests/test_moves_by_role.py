"""Every move of the campaign's table, granted to the side that makes it and refused (logged once) to everyone else
(issue 20 §5; SUP-05): only the organising bureau's supervisors (or those above) create, draw, record findings,
report, publish and cancel — a county supervisor cannot act on the city's campaign (SUP-01: the bureau supervises
its subtree); only the heads of an agency the notice was sent to acknowledge it, for their own agency."""

import json

import pytest

from zhifa.campaigns import events, services
from zhifa.campaigns.models import Campaign, CampaignStep, Finding, NoticeReceipt, State
from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.ledger.models import Entry

from .conftest import all_ok, cases, create, drawn, published, reported

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-05")]


def _denials():
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def _findings(c, a):
    s = c.sampled.first()
    return services.findings_record(campaign=c, actor=a, sampled_id=s.pk,
                                    results=[{"item": 0, "result": "problem", "text": "未在7个工作日内公示。"}])


def _amend(c, a):
    return services.campaign_amend(
        campaign=c, actor=a, title="修改后的检查名称", basis=c.basis, agency_ids=list(c.agencies.values_list("pk", flat=True)),
        action_types=c.action_types, period_from=c.period_from, period_to=c.period_to, sample_size=c.sample_size,
        checklist=c.checklist)


BUREAU_MOVES = {
    "amend": (lambda w, c, a: _amend(c, a), State.DRAFT, State.DRAFT),
    "draw": (lambda w, c, a: services.campaign_draw(campaign=c, actor=a), State.DRAFT, State.INSPECTING),
    "record_findings": (lambda w, c, a: _findings(c, a), State.INSPECTING, State.INSPECTING),
    "report": (lambda w, c, a: services.campaign_report(campaign=c, actor=a, summary="总体规范。"), State.INSPECTING,
               State.REPORTED),
    "publish": (lambda w, c, a: services.campaign_publish(campaign=c, actor=a, text="现将检查情况通报如下。"),
                State.REPORTED, State.PUBLISHED),
    "cancel": (lambda w, c, a: services.campaign_cancel(campaign=c, actor=a, reason="机构改革，检查范围调整，另行组织。"),
               State.INSPECTING, State.CANCELLED),
}


def _ready(world, move):
    if move in ("draw", "amend"):
        cases(world, world.tree.agency_a1, 2)
        return create(world)
    c = drawn(world)
    if move in ("report", "publish"):
        c = all_ok(world, c)
    if move == "publish":
        c = services.campaign_report(campaign=c, actor=world.sup, summary="总体规范。")
    return c


@pytest.mark.parametrize("move", sorted(BUREAU_MOVES))
@pytest.mark.parametrize("who", ["sup", "sup_r"])
def test_the_bureaus_supervisors_make_the_bureaus_moves(world, move, who):
    """The city's supervisor and the region's (above the city bureau) make every bureau move."""
    run, source, target = BUREAU_MOVES[move]
    c = _ready(world, move)
    assert c.state == source
    done = run(world, c, getattr(world, who))
    done.refresh_from_db()
    assert done.state == target


@pytest.mark.parametrize("move", sorted(BUREAU_MOVES))
@pytest.mark.parametrize("who", ["sup_a1", "sup_b", "head", "officer"])
def test_others_cannot_make_the_bureaus_moves(world, move, who):
    """A county supervisor (below the city bureau), another city's supervisor, an agency head and an officer are
    refused, each refusal logged once, and nothing moves."""
    run, source, _ = BUREAU_MOVES[move]
    c = _ready(world, move)
    steps, before = CampaignStep.objects.count(), _denials()
    with pytest.raises(PermissionDeniedError):
        run(world, c, getattr(world, who))
    assert _denials() == before + 1
    c.refresh_from_db()
    assert c.state == source and CampaignStep.objects.count() == steps


@pytest.mark.req("SUP-01")
@pytest.mark.parametrize("who", ["sup_a1", "sup_b", "head"])
def test_only_the_bureaus_supervisors_organise_a_campaign(world, who):
    """A county supervisor cannot organise a campaign as the city bureau; the refusal is logged before the input is
    read."""
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        create(world, actor=getattr(world, who))
    assert _denials() == before + 1 and not Campaign.objects.exists()


@pytest.mark.req("SUP-01")
def test_a_county_supervisor_organises_her_own_countys_campaign_only_over_her_county(world):
    from zhifa.org.tests.factories import AgencyFactory

    bureau_a1 = AgencyFactory(name="甲一县司法局", jurisdiction=world.tree.a1, is_justice_bureau=True, field="justice")
    c = create(world, actor=world.sup_a1, bureau=bureau_a1, agencies=[world.tree.agency_a1])
    assert c.bureau == bureau_a1
    with pytest.raises(ZhifaError) as exc:
        create(world, actor=world.sup_a1, bureau=bureau_a1, agencies=[world.tree.agency_a2])
    assert exc.value.code == "campaign_agency_not_supervised" and "甲二县市场监督管理局" in exc.value.message


@pytest.mark.parametrize("who", ["head", "legal"])
def test_the_agencys_heads_acknowledge_the_notice(world, who):
    c = published(world)
    services.notice_acknowledge(campaign=c, actor=getattr(world, who), agency=world.tree.agency_a1, note="已收悉。")
    receipt = NoticeReceipt.objects.get(delivery__campaign=c, delivery__agency=world.tree.agency_a1)
    assert receipt.step.action == "acknowledge" and receipt.step.entry.kind == events.ACKNOWLEDGED
    with pytest.raises(ZhifaError) as exc:  # once per agency
        services.notice_acknowledge(campaign=c, actor=world.legal, agency=world.tree.agency_a1)
    assert exc.value.code == "campaign_notice_already_acknowledged" and exc.value.status == 409


@pytest.mark.parametrize("who", ["sup", "officer", "head_a2", "head_b1"])
def test_others_cannot_acknowledge_for_the_agency(world, who):
    """The supervisor, an officer of the agency and the heads of other agencies are refused, logged once."""
    c = published(world)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        services.notice_acknowledge(campaign=c, actor=getattr(world, who), agency=world.tree.agency_a1)
    assert _denials() == before + 1
    assert not NoticeReceipt.objects.exists()


def test_acknowledging_a_notice_not_sent_to_the_agency_is_refused(world):
    """B1 was not inspected: its head is refused (logged); a head of A1 who also heads B1 is told B1 was not sent
    the notice."""
    c = published(world)
    before = _denials()
    with pytest.raises(PermissionDeniedError):
        services.notice_acknowledge(campaign=c, actor=world.head_b1, agency=world.tree.agency_b1)
    assert _denials() == before + 1
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import grant

    grant(world.head, Role.AGENCY_HEAD, agency=world.tree.agency_b1)
    with pytest.raises(ZhifaError) as exc:
        services.notice_acknowledge(campaign=c, actor=world.head, agency=world.tree.agency_b1)
    assert exc.value.code == "campaign_agency_not_notified" and "乙一县市场监督管理局" in exc.value.message
    assert not NoticeReceipt.objects.exists()


def test_a_second_draw_is_refused_as_a_wrong_state(world):
    """A second draw (two supervisors pressing the button) finds the campaign inspecting: 409, nothing re-drawn."""
    c = drawn(world)
    sampled = list(c.sampled.values_list("case_id", flat=True))
    stale = Campaign.objects.get(pk=c.pk)
    stale.state = State.DRAFT  # the object as the second request read it before the first committed
    with pytest.raises(WrongStateError) as exc:
        services.campaign_draw(campaign=stale, actor=world.sup_r)
    assert exc.value.status == 409 and exc.value.code == "wrong_state"
    assert list(c.sampled.values_list("case_id", flat=True)) == sampled
    assert CampaignStep.objects.filter(campaign=c, action="draw").count() == 1


def test_the_report_is_refused_while_findings_are_missing(world):
    c = drawn(world)
    _findings(c, world.sup)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_report(campaign=c, actor=world.sup, summary="总体规范。")
    missing = c.sampled.count() * len(c.checklist) - 1
    assert exc.value.code == "campaign_findings_incomplete" and exc.value.details == {"missing": missing}
    assert f"还有 {missing} 个检查项目没有记录结果" in exc.value.message
    c.refresh_from_db()
    assert c.state == State.INSPECTING and not c.documents.exists()


def test_a_finding_corrected_is_a_new_row_superseding_the_old(world):
    c = drawn(world)
    s = c.sampled.first()
    _findings(c, world.sup)
    first = Finding.objects.get(sampled=s, item=0)
    services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                             results=[{"item": 0, "result": "serious", "text": "处罚决定未公示。"}])
    latest = services.latest_findings(c).get(sampled=s, item=0)
    assert latest.pk != first.pk and latest.supersedes_id == first.pk and latest.result == "serious"
    first.refresh_from_db()
    assert (first.result, first.text) == ("problem", "未在7个工作日内公示。")  # the old row kept as it was
    with pytest.raises(ZhifaError) as exc:  # the same again is no correction
        services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                                 results=[{"item": 0, "result": "serious", "text": "处罚决定未公示。"}])
    assert exc.value.code == "campaign_findings_unchanged"
    assert Finding.objects.filter(sampled=s).count() == 2


def test_finding_input_is_checked(world):
    c = drawn(world)
    s = c.sampled.first()
    for results, code in (([{"item": 9, "result": "ok", "text": ""}], "campaign_finding_invalid"),
                          ([{"item": 0, "result": "bad", "text": ""}], "campaign_finding_invalid"),
                          ([{"item": 0, "result": "problem", "text": ""}], "campaign_text_required"),
                          ([], "campaign_finding_invalid")):
        with pytest.raises(ZhifaError) as exc:
            services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk, results=results)
        assert exc.value.code == code
    other = drawn(world, agencies=[world.tree.agency_a1])
    with pytest.raises(ZhifaError) as exc:  # a sampled case of another campaign
        services.findings_record(campaign=c, actor=world.sup, sampled_id=other.sampled.first().pk,
                                 results=[{"item": 0, "result": "ok", "text": ""}])
    assert exc.value.code == "campaign_sampled_case_invalid"


def test_every_step_has_its_ledger_entry_of_its_own_kind(world):
    c = published(world)
    services.notice_acknowledge(campaign=c, actor=world.head, agency=world.tree.agency_a1)
    expected = {"create": events.CREATED, "draw": events.DRAWN, "record_findings": events.FINDINGS_RECORDED,
                "report": events.REPORTED, "publish": events.PUBLISHED, "acknowledge": events.ACKNOWLEDGED}
    steps = list(CampaignStep.objects.filter(campaign=c).select_related("entry"))
    assert {s.action for s in steps} == set(expected)
    for s in steps:
        assert s.entry.kind == expected[s.action] and s.entry.subject == f"campaigns.campaign:{c.pk}"
        payload = json.loads(s.entry.payload)
        assert payload["campaign"] == c.pk and payload.get("action", "create") == s.action
    for f in Finding.objects.filter(sampled__campaign=c):
        assert f.step.entry.kind == events.FINDINGS_RECORDED
    sealed = Entry.objects.filter(kind=events.DOCUMENT_SEALED, subject=f"campaigns.campaign:{c.pk}")
    payloads = [json.loads(e.payload) for e in sealed]
    year = c.published_on.year
    assert sorted(p["number"] for p in payloads) == [f"甲司专报〔{year}〕1号", f"甲司专通〔{year}〕1号"]
    assert sorted(p["sha256"] for p in payloads) == sorted(c.documents.values_list("blob__sha256", flat=True))


def test_cancel_needs_a_reason_and_ends_the_campaign(world):
    c = drawn(world)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_cancel(campaign=c, actor=world.sup, reason=" ")
    assert exc.value.code == "campaign_text_required"
    with pytest.raises(ZhifaError) as exc:  # after the draw: a reason that says something
        services.campaign_cancel(campaign=c, actor=world.sup, reason="另行组织。")
    assert exc.value.code == "campaign_cancel_reason_too_short"
    c = services.campaign_cancel(campaign=c, actor=world.sup, reason="机构改革，检查范围调整，另行组织。")
    assert c.state == State.CANCELLED
    with pytest.raises(WrongStateError):
        _findings(c, world.sup)


def test_a_document_number_is_unique_per_bureau(world):
    """M4: the 文号 is unique per bureau in the database, so a numbering bug fails loudly."""
    from django.db import IntegrityError, transaction

    from zhifa.campaigns import events
    from zhifa.campaigns.models import CampaignDocument

    c = reported(world)
    report = c.documents.get()
    assert report.bureau_id == world.bureau_a.pk
    entry = events.document_sealed(c, actor=world.sup, kind="notice", number=report.number, sha256=report.blob.sha256,
                                   signer_sha256=report.signer_sha256)
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignDocument.objects.create(campaign=c, bureau=world.bureau_a, kind="notice", number=report.number,
                                        issued_on=report.issued_on, text="x", blob=report.blob,
                                        signer_sha256=report.signer_sha256, entry=entry)
