"""Review time limits from each jurisdiction's rules, across the 2026 National Day holiday (REV-06).

2026: 1–7 October off; Saturday 10 October a make-up working day (chinesecalendar).
"""

import datetime as dt

import pytest
import time_machine

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.testing import query_count
from zhifa.review import selectors, services
from zhifa.review.workflow import State
from zhifa.rules.services import ruleset_apply

from .conftest import assigned, submitted

SUBMIT = dt.datetime(2026, 9, 29, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T10:00:00+08:00"), tick=False)


@pytest.fixture
def anze(tree, users, office):
    """AZ-V on the county: nearest node wins over the region's IM-M."""
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_im_m_five_working_days_from_receipt_across_national_day(desk, office):
    with at("2026-09-29"):
        review = submitted(desk, office)
    assert review.clock_started_on == dt.date(2026, 9, 29)
    assert review.due_on == dt.date(2026, 10, 12)  # 9/30, 10/8, 10/9, 10/10 (make-up), 10/12


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_az_ten_working_days_from_complete_materials(desk, office, anze):
    with at("2026-09-29"):
        review = submitted(desk, office, proposal=True)
    assert review.rules["time_limit"]["days"] == 10
    assert review.due_on == dt.date(2026, 10, 19)


@pytest.mark.req("REV-06")
@pytest.mark.req("REV-04")
@pytest.mark.django_db
def test_im_m_supplement_time_is_not_counted(desk, office):
    """IM-M §31: the days from the request to the supplement are skipped; the day of the request counts."""
    with at("2026-09-29"):
        review = assigned(submitted(desk, office), office)
    with at("2026-09-30"):
        review = services.clock_pause(review=review, kind="supplement", reason="缺少当事人营业执照复印件",
                                      due_date=dt.date(2026, 10, 9), actor=office.reviewer_user)
    assert review.state == State.PAUSED and review.due_on is None and review.paused_since == dt.date(2026, 9, 30)
    assert not selectors.overdue_for(actor=office.head, on=dt.date(2026, 12, 1)).exists()  # a paused clock is not late
    with at("2026-10-09"):
        review = services.clock_resume(review=review, actor=desk.officer, note="已补充")
    assert review.state == State.SUBMITTED
    assert review.due_on == dt.date(2026, 10, 14)  # 9/30 counted, then 10/10, 10/12, 10/13, 10/14


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_az_clock_starts_again_when_the_materials_are_complete(desk, office, anze):
    with at("2026-09-29"):
        review = assigned(submitted(desk, office, proposal=True), office)
    with at("2026-09-30"):
        services.clock_pause(review=review, kind="supplement", reason="缺少评估报告", due_date=dt.date(2026, 10, 9),
                             actor=office.reviewer_user)
    with at("2026-10-09"):
        review = services.clock_resume(review=review, actor=desk.officer)
    assert review.clock_started_on == dt.date(2026, 10, 9) and review.due_on == dt.date(2026, 10, 22)


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_expert_consultation_stops_the_clock_only_where_the_rules_say_so(desk, office, tree, users):
    with at("2026-09-29"):
        review = assigned(submitted(desk, office), office)
        with pytest.raises(ZhifaError) as exc:  # IM-M §31 excludes only supplements
            services.clock_pause(review=review, kind="expert_consultation", reason="组织专家论证", actor=office.reviewer_user)
        assert exc.value.code == "review_pause_not_excluded"
        with pytest.raises(ZhifaError) as exc:  # a supplement request names its date
            services.clock_pause(review=review, kind="supplement", reason="补充材料", actor=office.reviewer_user)
        assert exc.value.code == "review_pause_invalid"
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)
    with at("2026-09-29"):
        review = submitted(desk, office, proposal=True)
        assigned(review, office)
        review = services.clock_pause(review=review, kind="expert_consultation", reason="组织专家论证",
                                      actor=office.reviewer_user)
    assert review.state == State.PAUSED
    with at("2026-10-12"), pytest.raises(PermissionDeniedError):
        services.clock_resume(review=review, actor=desk.officer)  # the review unit ends its own consultation
    with at("2026-10-12"):
        review = services.clock_resume(review=review, actor=office.reviewer_user, note="论证完毕")
    # paused on the day of receipt: 9/30–10/12 skipped; then 13–16, 19–23, 26
    assert review.due_on == dt.date(2026, 10, 26)


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_extension_needs_the_approval_of_the_head_in_charge_of_legal_work(desk, office):
    """IM-M §31: five more working days, approved by the head in charge of legal work, not by the reviewer."""
    with at("2026-09-29"):
        review = assigned(submitted(desk, office), office)
    with at("2026-10-09"):
        with pytest.raises(ZhifaError):
            services.extension_decide(review=review, approve=True, actor=office.legal_head)  # nothing requested
        services.extension_request(review=review, reason="案情复杂，涉及多个法律关系", actor=office.reviewer_user)
        with pytest.raises(PermissionDeniedError):
            services.extension_decide(review=review, approve=True, actor=office.reviewer_user)
        with pytest.raises(PermissionDeniedError):
            services.extension_decide(review=review, approve=True, actor=office.head)  # IM-M: not the agency head
        review = services.extension_decide(review=review, approve=True, actor=office.legal_head)
    assert review.extended and review.due_on == dt.date(2026, 10, 19)
    with at("2026-10-09"), pytest.raises(ZhifaError) as exc:
        services.extension_request(review=review, reason="再次延长", actor=office.reviewer_user)
    assert exc.value.code == "review_extension_invalid"


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_az_extension_by_the_agency_head_and_never_after_the_limit(desk, office, anze):
    with at("2026-09-29"):
        review = assigned(submitted(desk, office, proposal=True), office)
    with at("2026-10-20"):  # due 10/19
        services.extension_request(review=review, reason="案情复杂", actor=office.reviewer_user)
        with pytest.raises(ZhifaError) as exc:
            services.extension_decide(review=review, approve=True, actor=office.head)
        assert exc.value.code == "review_extension_invalid"
    with at("2026-10-19"):
        review = services.extension_decide(review=review, approve=True, actor=office.head)
    assert review.due_on == dt.date(2026, 11, 2)  # ten more: 10/20–10/23, 10/26–10/30, 11/2


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_overdue_reviews_are_listed_with_a_constant_number_of_queries(desk, office, django_assert_max_num_queries):
    from zhifa.review.models import Review

    with at("2026-09-29"):
        first = submitted(desk, office)
    on = dt.date(2026, 10, 13)
    assert list(selectors.overdue_for(actor=office.head, on=on)) == [first]
    assert not selectors.overdue_for(actor=office.head, on=dt.date(2026, 10, 12)).exists()  # the last day is in time

    def read():
        return [(r.case.number, r.agency.name) for r in selectors.overdue_for(actor=office.head, on=on)]
    counts = []
    for extra in (0, 3):
        for _ in range(extra):
            with at("2026-09-29"):
                submitted(desk, office)
        counts.append(query_count(read))
        assert len(read()) == Review.objects.count()
    assert counts[0] == counts[1]
    assert not selectors.overdue_for(actor=office.officer, on=on).exists()  # officers do not hold the list


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_countdown_is_shown_to_the_reviewer_and_the_handling_unit(client, desk, office):
    with at("2026-09-29"):
        review = assigned(submitted(desk, office), office)
    with at("2026-10-09"):
        client.force_login(office.reviewer_user)
        page = client.get(f"/review/cases/{review.case_id}/").content.decode()
        assert "剩余 2 个工作日" in page  # 10/10 and 10/12 remain
        client.force_login(desk.officer)
        assert "剩余 2 个工作日" in client.get(f"/cases/{review.case_id}/").content.decode()
        client.force_login(office.reviewer_user)
        assert review.case.number in client.get("/review/?mine=1").content.decode()
    with at("2026-10-14"):
        client.force_login(office.reviewer_user)  # days later: the session has idled out (issue 14 §6)
        assert "已超期 2 个工作日" in client.get("/review/overdue/").content.decode()
