"""The checklist and the four opinions with their grounds; the written opinion kept twice (REV-05, REV-07)."""

import pytest

from zhifa.cases.models import Document
from zhifa.core.errors import ZhifaError
from zhifa.review import services
from zhifa.review.workflow import State

from .conftest import agree, assigned, checklist, submitted


def opinion(review, office, kind, grounds=(), problems=None, text="意见"):
    return services.opinion_record(review=review, kind=kind, grounds=list(grounds), text=text, actor=office.reviewer_user,
                                   checklist=checklist(review, problems))


@pytest.mark.req("REV-05")
@pytest.mark.django_db
def test_the_checklist_is_the_items_the_rules_list(desk, office, tree, users):
    review = assigned(submitted(desk, office), office)
    assert review.rules["items"] == ["subject_qualified", "authority", "facts_evidence", "law_applied", "discretion",
                                     "procedure", "documents", "crime_transfer", "other"]  # IM-M §30: nine items
    rows = checklist(review)
    del rows["authority"]
    with pytest.raises(ZhifaError) as exc:
        services.opinion_record(review=review, kind="agree", checklist=rows, text="同意", actor=office.reviewer_user)
    assert "超越法定权限" in exc.value.message
    with pytest.raises(ZhifaError) as exc:  # a problem is written out
        services.opinion_record(review=review, kind="correct", grounds=["documents_irregular"], text="纠正",
                                actor=office.reviewer_user, checklist=checklist(review) | {"documents": {"finding": "problem"}})
    assert exc.value.code == "review_opinion_invalid"
    from zhifa.rules.services import ruleset_apply
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)
    az = submitted(desk, office, proposal=True)
    assert "law_and_discretion" in az.rules["items"] and len(az.rules["items"]) == 8  # AZ-V §11


@pytest.mark.req("REV-07")
@pytest.mark.django_db
@pytest.mark.parametrize("kind, grounds, problems, adopted", [
    ("correct", ["evidence_flawed"], {"facts_evidence": "证人证言未签名"}, State.TO_RESUBMIT),
    ("refuse", ["subject_unlawful"], {"subject_qualified": "执法人员证件已过期"}, State.NOT_TO_DECIDE),
    ("transfer", ["suspected_crime"], {"crime_transfer": "涉案金额达到刑事立案标准"}, State.TRANSFERRED),
])
def test_each_opinion_and_what_adopting_it_leads_to(desk, office, kind, grounds, problems, adopted):
    review = assigned(submitted(desk, office), office)
    made = opinion(review, office, kind, grounds, problems)
    assert made.kind == kind and made.grounds == grounds
    review.refresh_from_db()
    assert review.state == State.OPINION_GIVEN
    review = services.response_record(review=review, adopt=True, actor=desk.head)
    assert review.state == adopted


@pytest.mark.req("REV-07")
@pytest.mark.django_db
@pytest.mark.parametrize("kind, grounds, problems, message", [
    ("agree", [], {"procedure": "未告知听证权利"}, "不能提出同意"),
    ("correct", [], {"procedure": "送达瑕疵"}, "理由"),
    ("correct", ["subject_unlawful"], {"subject_qualified": "主体不合法"}, "只能是"),  # a refusal ground
    ("refuse", ["basis_inaccurate"], {}, "写明存在的问题"),
    ("transfer", ["suspected_crime"], {"facts_evidence": "涉嫌犯罪"}, "涉嫌犯罪需要移送"),
    ("approve", [], {}, "审核意见应为"),
])
def test_an_opinion_must_carry_the_grounds_of_its_kind(desk, office, kind, grounds, problems, message):
    review = assigned(submitted(desk, office), office)
    with pytest.raises(ZhifaError) as exc:
        opinion(review, office, kind, grounds, problems)
    assert message in exc.value.message and not review.opinions.exists()


@pytest.mark.req("REV-07")
@pytest.mark.django_db
def test_the_written_opinion_goes_into_the_case_file_and_the_review_archive(desk, office):
    review = assigned(submitted(desk, office), office)
    made = agree(review, office)
    document = made.case_document
    assert document.form == "review_opinion" and document.case_id == review.case_id
    rendition = document.renditions.get(kind="pdf")
    assert made.archive_blob == rendition.blob and rendition.signer_sha256
    assert "同意" in document.elements["opinion"] and "执法主体是否合法" in document.elements["items"]


@pytest.mark.req("REV-07")
@pytest.mark.django_db
def test_an_online_review_under_az_needs_no_separate_written_opinion(desk, office, tree, users):
    from zhifa.rules.services import ruleset_apply
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)
    review = assigned(submitted(desk, office, proposal=True), office)
    made = agree(review, office)
    assert made.case_document is None and made.archive_blob is None
    assert not Document.objects.filter(form="review_opinion").exists()


@pytest.mark.req("REV-07")
@pytest.mark.django_db
def test_the_opinion_form_is_not_entered_by_hand(desk, office):
    review = submitted(desk, office)
    from zhifa.cases import services as case_services
    with pytest.raises(ZhifaError) as exc:
        case_services.document_record(case=review.case, form="review_opinion", elements={}, actor=desk.officer)
    assert exc.value.code == "case_unknown_form"
