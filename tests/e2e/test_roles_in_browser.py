"""A supervisor and an officer log in with a real browser and each sees what their role allows (ORG-05)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.core.permissions import Role
from zhifa.core.testing import second_factor_in_browser
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, grant

PASSWORD = "e2e-password-2026"


@pytest.fixture
def people(transactional_db, tree):
    User = get_user_model()
    grant(User.objects.create_user("city_sup", password=PASSWORD, first_name="甲市监督员"),
                       Role.SUPERVISOR, jurisdiction=tree.city_a)
    officer = grant(User.objects.create_user("field_officer", password=PASSWORD), Role.OFFICER, agency=tree.agency_a1)
    person = PersonFactory(name="王执法", agency=tree.agency_a1, user=officer)
    today = dt.date.today()
    CertificateFactory(person=person, number="T1010100E2E01", valid_from=today - dt.timedelta(days=100),
                       valid_to=today + dt.timedelta(days=400))
    return tree


def login(page, username):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    second_factor_in_browser(page, username)  # issue 14 §6: supervisors, reviewers, heads
    page.wait_for_url("**/")


@pytest.mark.req("ORG-05")
def test_city_supervisor_sees_the_counties_of_the_city_only(page, people, shot):
    login(page, "city_sup")
    assert page.get_by_text("司法行政监督人员（甲市）").is_visible()
    shot("supervisor-home")
    page.get_by_role("link", name="执法主体").first.click()
    table = page.locator("table")
    table.get_by_text("甲一县市场监督管理局").wait_for()
    assert table.get_by_text("甲二县市场监督管理局").is_visible()
    assert table.get_by_text("乙一县市场监督管理局").count() == 0
    shot("supervisor-agencies")
    page.get_by_role("link", name="甲一县市场监督管理局").click()
    assert page.get_by_role("heading", name="法制审核人员比例").is_visible()
    page.goto(f"/org/agencies/{people.agency_b1.pk}/")
    assert page.get_by_role("heading", name="未找到").is_visible()


@pytest.mark.req("ORG-03")
def test_officer_sees_own_certificate_and_no_management_pages(page, people, shot):
    login(page, "field_officer")
    assert page.get_by_role("heading", name="我的执法证件").is_visible()
    assert page.get_by_text("T1010100E2E01").is_visible()
    assert page.get_by_text("有效", exact=True).first.is_visible()
    nav = page.get_by_role("navigation", name="主导航")
    assert nav.get_by_role("link", name="执法主体").is_visible()
    assert nav.get_by_role("link", name="批量导入").count() == 0
    assert nav.get_by_role("link", name="安全日志").count() == 0
    shot("officer-home")
    page.goto("/org/import/")
    assert page.get_by_role("heading", name="无权访问").is_visible()
    page.goto(f"/org/agencies/{people.agency_a2.pk}/")
    assert page.get_by_role("heading", name="未找到").is_visible()
    # A narrow phone screen keeps the page usable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    shot("officer-home-phone")
    assert page.get_by_role("heading", name="我的执法证件").is_visible()
