"""Decision publication: collection, masks, review, exemptions, deadlines, withdrawal (PUB-01, PUB-04..PUB-09)."""

import datetime as dt

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.ledger.models import Entry
from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import ExemptionGround, Mode, State, Trigger

from .conftest import MINOR_ID, decided_case


def _pub(case) -> Publication:
    return Publication.objects.filter(case=case).order_by("-id").first()


def _publish(d, pub):
    services.publication_submit(publication=pub, actor=d.editor)
    return services.publication_approve(publication=pub, actor=d.approver)


@pytest.mark.req("PUB-04")
def test_decision_collected_with_the_rules_summary_fields(pubdesk):
    """Making the decision collects a draft with IM-M §10's summary: agency, target, facts, type, conclusion."""
    pub = _pub(decided_case(pubdesk))
    assert pub.state == State.COLLECTED and pub.mode == Mode.SUMMARY
    assert set(pub.fields) == {"agency", "target", "facts", "action_type", "conclusion"}
    assert "执法主体：甲一县市场监督管理局" in pub.original_text and "执法结论：罚款二百元" in pub.original_text


@pytest.mark.req("PUB-05")
def test_individual_business_code_is_the_target_code_unless_the_rules_hide_it(pubdesk):
    """An individual business's 92… credit code names the 执法对象 (IM-M §10 ¶1): published as the target code under
    the shipped packs, which do not list `individual_business_code`; a jurisdiction whose rules list it hides it."""
    from stdnum.cn import uscc

    from zhifa.publicity.services.collection import _target
    from zhifa.rules.selectors import rule_get

    base = "92150102MA0N5H2L3"
    code = base + uscc.calc_check_digit(base)
    pub = _pub(decided_case(pubdesk, party_kind="organisation", id_number=code, name="新城区老王烧烤店", phone=""))
    assert pub.target_code == code and pub.target_name == "新城区老王烧烤店"
    kinds = rule_get("publicity.mask_kinds", jurisdiction=pubdesk.tree.region, as_of=dt.date(2026, 11, 30)).value
    assert "individual_business_code" not in kinds and "person_name" in kinds
    assert _target(pub.case, [*kinds, "individual_business_code"]) == ("新城区老王烧烤店", "")


@pytest.mark.req("PUB-04")
def test_full_document_mode_recollects_and_supersedes_the_draft(pubdesk):
    pub = _pub(decided_case(pubdesk))
    full = services.decision_recollect(publication=pub, actor=pubdesk.editor, mode=Mode.FULL)
    pub.refresh_from_db()
    assert pub.state == State.SUPERSEDED and full.supersedes == pub
    assert "公民身份号码：11010519491231002X" in full.original_text  # the original keeps everything


@pytest.mark.req("PUB-05")
def test_masks_proposed_and_applied_original_kept(pubdesk):
    """ID number, address and phone are proposed; the public text hides them; the original stays."""
    case = decided_case(pubdesk)
    full = services.decision_recollect(publication=_pub(case), actor=pubdesk.editor, mode=Mode.FULL)
    kinds = {m.kind for m in services.active_masks(full)}
    assert {"id_number", "home_address", "phone"} <= kinds
    pub = _publish(pubdesk, full)
    assert "11010519491231002X" not in pub.public_text and "13912345678" not in pub.public_text
    assert "兴安北路" not in pub.public_text
    assert "11010519491231002X" in pub.original_text


@pytest.mark.req("PUB-05")
def test_approver_adds_and_removes_masks_with_reasons_logged(pubdesk):
    case = decided_case(pubdesk)
    pub = _pub(case)
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    phone_mask = next(m for m in services.active_masks(pub) if m.kind == "phone")
    with pytest.raises(ZhifaError) as e:
        services.mask_remove(mask=phone_mask, actor=pubdesk.approver, reason=" ")
    assert e.value.code == "publicity_reason_required"
    # A phone needs a legal basis and a second person (issue 15 §3): the editor asks, the approver approves.
    asked = services.mask_remove(mask=phone_mask, actor=pubdesk.editor, reason="系执法机关咨询电话，应当公开",
                                 legal_basis="IM-M 第十条只要求隐去当事人通讯方式")
    services.mask_removal_decide(removal_request=asked, actor=pubdesk.approver, approve=True)
    added = services.mask_add(publication=pub, actor=pubdesk.approver, kind="other", text="过期", reason="涉及商业秘密")
    assert added and all(m.added_by == pubdesk.approver for m in added)
    pub = services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert "13912345678" in pub.public_text and "过期" not in pub.public_text
    mask_events = Entry.objects.filter(kind="publicity.mask", subject=pub.subject)
    assert mask_events.count() == len(pub.masks.all()) + 2  # every add, the removal request and its approval
    with pytest.raises(ZhifaError):
        services.mask_add(publication=pub, actor=pubdesk.approver, kind="other", text="罚款", reason="x")


@pytest.mark.req("PUB-05")
def test_mask_out_of_range_refused(pubdesk):
    pub = _pub(decided_case(pubdesk))
    with pytest.raises(ZhifaError) as e:
        services.mask_add(publication=pub, actor=pubdesk.editor, kind="phone", start=5, end=10 ** 6, reason="x")
    assert e.value.code == "publicity_mask_invalid"


@pytest.mark.req("PUB-01")
def test_nothing_published_without_the_approvers_review(pubdesk):
    pub = _pub(decided_case(pubdesk))
    assert not selectors.portal_items(pubdesk.tree.region).exists()
    with pytest.raises(ZhifaError) as e:  # straight from collected: the review step cannot be skipped
        services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert e.value.code == "wrong_state" and e.value.status == 409
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    with pytest.raises(PermissionDeniedError):
        services.publication_approve(publication=pub, actor=pubdesk.editor)
    pub = services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert pub.state == State.PUBLISHED and pub.published_entry.kind == "publicity.published"
    assert list(selectors.portal_items(pubdesk.tree.region)) == [pub]
    assert [s.action for s in selectors.timeline(pub)] == ["collect", "submit", "approve"]


@pytest.mark.req("PUB-01")
def test_submitter_cannot_approve_own_item(pubdesk):
    """Two people: whoever submitted does not review their own item."""
    pub = _pub(decided_case(pubdesk))
    head = pubdesk.users.head_a1  # agency head holds both edit and approve
    services.publication_submit(publication=pub, actor=head)
    with pytest.raises(ZhifaError) as e:
        services.publication_approve(publication=pub, actor=head)
    assert e.value.code == "publicity_approver_is_editor"


@pytest.mark.req("PUB-01")
def test_return_needs_reason_and_goes_back_to_collected(pubdesk):
    pub = _pub(decided_case(pubdesk))
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    with pytest.raises(ZhifaError):
        services.publication_return(publication=pub, actor=pubdesk.approver, reason="")
    pub = services.publication_return(publication=pub, actor=pubdesk.approver, reason="摘要不全")
    assert pub.state == State.COLLECTED


@pytest.mark.req("PUB-06")
def test_minor_party_detected_and_blocks_publication(pubdesk):
    pub = _pub(decided_case(pubdesk, id_number=MINOR_ID, name="李小明"))
    assert pub.minor_party
    with pytest.raises(ZhifaError) as e:
        services.publication_submit(publication=pub, actor=pubdesk.editor)
    assert e.value.code == "publicity_party_is_minor"
    services.exemption_request(publication=pub, actor=pubdesk.editor, ground=ExemptionGround.MINOR,
                               explanation="当事人出生于2012年")
    with pytest.raises(ZhifaError):
        services.exemption_decide(publication=pub, actor=pubdesk.approver, approve=False, note="应当公开")
    pub = services.exemption_decide(publication=pub, actor=pubdesk.approver, approve=True)
    assert pub.state == State.EXEMPTED


@pytest.mark.req("PUB-06")
@pytest.mark.parametrize("ground", [g for g in ExemptionGround.values if g != "minor"])
def test_every_exemption_ground_needs_approval(pubdesk, ground):
    pub = _pub(decided_case(pubdesk))
    with pytest.raises(ZhifaError):
        services.exemption_request(publication=pub, actor=pubdesk.editor, ground=ground, explanation=" ")
    pub = services.exemption_request(publication=pub, actor=pubdesk.editor, ground=ground, explanation="具体情况说明")
    assert pub.state == State.EXEMPTION_REQUESTED
    with pytest.raises(PermissionDeniedError):
        services.exemption_decide(publication=pub, actor=pubdesk.editor, approve=True)
    pub = services.exemption_decide(publication=pub, actor=pubdesk.approver, approve=True, note="同意")
    assert pub.state == State.EXEMPTED
    assert pub.steps.get(action="approve_exemption").data == {"ground": ground}


@pytest.mark.req("PUB-06")
def test_unknown_ground_refused(pubdesk):
    pub = _pub(decided_case(pubdesk))
    with pytest.raises(ZhifaError) as e:
        services.exemption_request(publication=pub, actor=pubdesk.editor, ground="inconvenient", explanation="x")
    assert e.value.code == "publicity_exemption_ground_invalid"


@pytest.mark.req("PUB-06")
def test_third_party_consent_overrides_privacy_only(pubdesk):
    """AZ-P §15: consent or gross public interest may override a commercial secret or privacy — nothing else."""
    pub = _pub(decided_case(pubdesk))
    services.exemption_request(publication=pub, actor=pubdesk.editor, ground="privacy", explanation="涉及第三人")
    pub = services.exemption_decide(publication=pub, actor=pubdesk.approver, approve=False,
                                    exception="third_party_consent")
    assert pub.state == State.COLLECTED
    services.exemption_request(publication=pub, actor=pubdesk.editor, ground="crime", explanation="已移送公安")
    with pytest.raises(ZhifaError):
        services.exemption_decide(publication=pub, actor=pubdesk.approver, approve=False, exception="public_interest")


@pytest.mark.req("PUB-07")
@pytest.mark.parametrize("action_type,due", [("penalty", dt.date(2026, 10, 13)), ("licence", dt.date(2026, 10, 13)),
                                             ("other", dt.date(2026, 10, 30))])
def test_deadline_across_national_day(pubdesk, action_type, due):
    """Decided Monday 28 September 2026: 7 working days (licence, penalty) or 20 (others), skipping the
    National Day holiday (1–7 October) and counting the make-up Saturday 10 October (IM-M §12)."""
    case = decided_case(pubdesk, action_type="penalty" if action_type == "penalty" else "other")
    case.action_type = action_type
    pub = services.decision_collect(case=case, actor=pubdesk.editor, decided_on=dt.date(2026, 9, 28),
                                    supersedes=_pub(case))
    assert pub.due_on == due


@pytest.mark.req("PUB-07")
def test_overdue_list(pubdesk, time_machine):
    pub = _pub(decided_case(pubdesk))
    assert pub in selectors.queue_for(actor=pubdesk.editor)
    assert not selectors.overdue_for(actor=pubdesk.editor).exists()
    assert list(selectors.overdue_for(actor=pubdesk.editor, on=pub.due_on + dt.timedelta(days=1))) == [pub]
    assert not selectors.overdue_for(actor=pubdesk.users.officer_a1, on=pub.due_on + dt.timedelta(days=1)).exists()
    assert list(selectors.overdue_for(actor=pubdesk.users.city_a_supervisor, on=pub.due_on + dt.timedelta(days=1))) == [pub]


@pytest.mark.req("PUB-09")
@pytest.mark.parametrize("trigger", Trigger.values)
def test_every_trigger_withdraws_at_once(pubdesk, trigger):
    pub = _publish(pubdesk, _pub(decided_case(pubdesk)))
    with pytest.raises(ZhifaError):
        services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger=trigger, basis=" ")
    pub = services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger=trigger,
                                        basis="甲复决字〔2026〕3号")
    assert pub.state == State.WITHDRAWN and pub.withdrawn_at is not None
    assert not selectors.portal_items(pubdesk.tree.region).exists()
    assert selectors.portal_item(pub.pk).state == State.WITHDRAWN  # the withdrawal stays on record
    assert Entry.objects.filter(kind="publicity.withdrawn", subject=pub.subject).exists()


@pytest.mark.req("PUB-09")
def test_withdrawal_needs_permission(pubdesk):
    pub = _publish(pubdesk, _pub(decided_case(pubdesk)))
    with pytest.raises(PermissionDeniedError):
        services.publication_withdraw(publication=pub, actor=pubdesk.editor, trigger="revoked", basis="x")


@pytest.mark.req("PUB-08")
def test_remade_decision_collected_after_withdrawal(pubdesk):
    """When the decision is remade, the new one is collected at once, pointing at the withdrawn one."""
    from zhifa.cases import services as case_services
    from zhifa.cases.tests.conftest import elements

    case = decided_case(pubdesk)
    pub = _publish(pubdesk, _pub(case))
    old_doc = pub.decision_document
    case_services.document_record(case=case, form="penalty_decision", supersedes=old_doc, correction_reason="复议变更",
                                  elements=elements(pubdesk, facts="销售过期食品", legal_basis="第一百二十四条",
                                                    penalty="警告", remedies="六十日内复议"), actor=pubdesk.officer)
    services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger="reconsideration", basis="复议决定")
    new = Publication.objects.get(supersedes=pub)
    assert new.state == State.COLLECTED and "执法结论：警告" in new.original_text
    new = _publish(pubdesk, new)
    assert [p.pk for p in selectors.portal_versions(new)] == [new.pk, pub.pk]
