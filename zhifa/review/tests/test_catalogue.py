"""The review catalogue and the determination (REV-02)."""

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.review import services
from zhifa.review.models import Catalogue

from .conftest import decision_case, determine

TODAY = dt.date(2026, 1, 1)
ITEMS = [
    {"action_type": "penalty", "matter": "较大数额罚款", "criterion": "fine_at_least", "amount": "100000", "level": "county",
     "collective_discussion": True, "basis": "行政处罚法第五十七条"},
    {"action_type": "penalty", "matter": "较大数额罚款（市级）", "criterion": "fine_at_least", "amount": "500000", "level": "city"},
    {"action_type": "penalty", "matter": "吊销许可证件", "criterion": "measure", "measure": "revoke_licence"},
    {"action_type": "coercion", "matter": "强制拆除", "criterion": "always"},
]


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_a_catalogue_is_versioned_and_filed_with_the_justice_bureau(desk, office, users, tree):
    first = services.catalogue_issue(agency=desk.agency, items=ITEMS, effective_from=TODAY, actor=office.legal_head)
    assert first.version == 1 and first.filed_with == office.bureau and first.items.count() == 4
    second = services.catalogue_issue(agency=desk.agency, items=ITEMS[:1], effective_from=TODAY, actor=office.head,
                                      review_all_ordinary=True)
    assert second.version == 2 and second.supersedes == first
    with pytest.raises(PermissionDeniedError):
        services.catalogue_issue(agency=desk.agency, items=ITEMS, effective_from=TODAY, actor=desk.officer)
    with pytest.raises(PermissionDeniedError):  # another city's bureau cannot register it
        services.catalogue_acknowledge(catalogue=second, actor=grant(UserFactory(), Role.SUPERVISOR, jurisdiction=tree.city_b))
    filing = services.catalogue_acknowledge(catalogue=second, actor=users.county_a1_supervisor, remarks="准予备案")
    assert filing.entry_id and Catalogue.objects.get(pk=second.pk).filing == filing
    with pytest.raises(ZhifaError) as exc:
        services.catalogue_acknowledge(catalogue=second, actor=users.city_a_supervisor)
    assert exc.value.code == "review_catalogue_already_acknowledged"


@pytest.mark.req("REV-02")
@pytest.mark.django_db
@pytest.mark.parametrize("item, message", [
    ({"action_type": "inspection", "matter": "x", "criterion": "always"}, "执法行为类别"),
    ({"action_type": "penalty", "matter": "x", "criterion": "fine_at_least"}, "金额标准"),
    ({"action_type": "penalty", "matter": "x", "criterion": "fine_at_least", "amount": "1.234"}, "两位小数"),
    ({"action_type": "penalty", "matter": "x", "criterion": "measure", "measure": "flogging"}, "措施"),
    ({"action_type": "penalty", "matter": " ", "criterion": "always"}, "事项名称"),
])
def test_bad_catalogue_lines_are_refused_and_nothing_is_written(desk, office, item, message):
    with pytest.raises(ZhifaError) as exc:
        services.catalogue_issue(agency=desk.agency, items=[ITEMS[0], item], effective_from=TODAY, actor=office.head)
    assert message in exc.value.message and not Catalogue.objects.exists()


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_a_decision_matching_the_catalogue_is_major(desk, office):
    services.catalogue_issue(agency=desk.agency, items=ITEMS, effective_from=TODAY, actor=office.head)
    case = decision_case(desk, penalty="罚款五万元")
    small = determine(case, desk, fine_amount="99999.99", criteria=[])
    assert not small.is_major and small.fine_amount == Decimal("99999.99")
    large = determine(case, desk, fine_amount="100000", criteria=[])
    assert large.is_major and large.collective_discussion and large.version == 2
    assert large.matched_items == [large.catalogue.items.get(matter="较大数额罚款").pk]  # the city line is not for a county
    revoke = determine(case, desk, fine_amount="0", measures=["revoke_licence"], criteria=[])
    assert revoke.is_major and not revoke.collective_discussion and any("吊销许可证件" in r for r in revoke.reasons)


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_general_criteria_a_hearing_and_the_review_everything_choice(desk, office):
    case = decision_case(desk, hearing=True)
    d = determine(case, desk, fine_amount="0", criteria=[])
    assert d.is_major and d.hearing_held and d.criteria == ["hearing"]  # IM-M §26(4)
    other = decision_case(desk)
    assert determine(other, desk, fine_amount="0", criteria=["complex"]).is_major
    assert not determine(other, desk, fine_amount="0", criteria=[]).is_major
    services.catalogue_issue(agency=desk.agency, items=ITEMS[3:], effective_from=TODAY, actor=office.head,
                             review_all_ordinary=True)  # NM: every ordinary-procedure decision
    assert determine(other, desk, fine_amount="0", criteria=[]).is_major
    with pytest.raises(ZhifaError):
        determine(other, desk, fine_amount="-1")
    with pytest.raises(PermissionDeniedError):
        services.determination_record(case=other, actor=office.reviewer_user, criteria=["complex"])
