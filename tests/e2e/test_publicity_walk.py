"""A penalty decision through publicity in a real browser: the editor adds a mask and submits, the approver
sees every mask and publishes, the public finds the decision by a Chinese search on the county's portal
without the party's personal data, then the decision is revoked and the portal shows only that it was
withdrawn, and when (PUB-01, PUB-03, PUB-05, PUB-08)."""

import re

import pytest
from django.contrib.auth import get_user_model

from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import ADULT_ID, decided_case
from zhifa.rules.services import ruleset_apply

from .test_seizure_walk import PASSWORD, relogin


@pytest.fixture
def pubdesk(transactional_db, desk, tree, users):
    from types import SimpleNamespace

    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import grant

    User = get_user_model()
    # A transactional test's flush empties the national baseline: put it back, then the region's rules.
    ruleset_apply(name="national", actor=users.su)
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)
    editor = grant(User.objects.create_user("ed_a1", password=PASSWORD), Role.PUBLICITY_EDITOR, agency=desk.agency)
    approver = grant(User.objects.create_user("ap_a1", password=PASSWORD), Role.PUBLICITY_APPROVER, agency=desk.agency)
    return SimpleNamespace(**vars(desk), editor=editor, approver=approver, tree=tree, users=users)


@pytest.mark.req("PUB-01")
@pytest.mark.req("PUB-03")
@pytest.mark.req("PUB-05")
@pytest.mark.req("PUB-08")
def test_publish_with_masks_find_by_chinese_search_then_withdraw(page, pubdesk, shot):
    case = decided_case(pubdesk, name="张三丰", facts="当事人销售过期食品，由其外甥刘晓东代为经营，当事人自述患有糖尿病，联系电话13912345678。")
    pub = Publication.objects.get(case=case)
    assert pub.state == "collected"

    # The editor sees the detector's masks, hides one more thing by hand and submits.
    relogin(page, "ed_a1")
    page.goto(f"/publicity/items/{pub.pk}/")
    # The whole decision rather than the summary: the party's ID number and home address are in it.
    page.get_by_label("公开方式").select_option("full")
    page.get_by_role("button", name="重新采集").click()
    pub = Publication.objects.get(case=case, state="collected")  # the summary draft is superseded by this one
    page.wait_for_url(f"**/publicity/items/{pub.pk}/")
    masks = page.get_by_role("region", name="隐去处理")
    for text in (ADULT_ID, "呼和浩特市新城区兴安北路12号3单元502室", "13912345678"):
        assert masks.get_by_text(text, exact=False).count() >= 1, text
    preview = page.locator("#preview").inner_text()
    # The detector hides a relative's name (a third party's, issue 15); the party's own name stays (执法对象).
    assert ADULT_ID not in preview and "兴安北路" not in preview and "刘晓东" not in preview and "张三丰" in preview
    # Health information no detector looks for: the editor hides it by hand, saying why.
    assert "糖尿病" in preview
    page.get_by_label("补充隐去的文字").fill("患有糖尿病")
    page.get_by_label("类别").select_option("other")
    page.get_by_label("理由", exact=True).fill("当事人健康信息")
    page.get_by_role("button", name="隐去", exact=True).click()
    assert "糖尿病" not in page.locator("#preview").inner_text()
    assert "当事人健康信息" in masks.inner_text()
    page.get_by_role("button", name="提交审核").click()
    assert page.locator("#pub-state").inner_text() == "待审核"
    # The editor cannot approve their own submission: the button is not there.
    assert page.get_by_role("button", name="审核通过并发布").count() == 0

    # The approver sees every mask, with who added it and why, and publishes.
    relogin(page, "ap_a1")
    page.goto(f"/publicity/items/{pub.pk}/")
    assert "未登记姓名的账号 人工添加：当事人健康信息" in page.get_by_role("region", name="隐去处理").inner_text()
    page.get_by_label("审核意见").fill("隐去完整，同意公开")
    page.get_by_role("button", name="审核通过并发布").click()
    assert page.locator("#pub-state").inner_text() == "已发布"
    shot("publicity-published")

    # The public, without logging in, searches the county's portal in Chinese.
    page.context.clear_cookies()
    page.goto(f"/portal/{pubdesk.tree.a1.code}/search/")
    page.get_by_label("关键词").fill("过期食品")
    page.get_by_role("button", name="检索").click()
    assert "共 1 条" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name=re.compile("行政处罚决定书")).first.click()
    page.wait_for_url(f"**/portal/items/{pub.pk}/")
    text = page.locator("article").inner_text()
    assert "当事人销售过期食品" in text and "张三丰" in text  # the party is named; the rest is masked
    for secret in (ADULT_ID, "13912345678", "兴安北路", "刘晓东", "糖尿病"):
        assert secret not in page.content(), secret
    assert "＊" in text
    assert "防篡改证明" in text
    shot("publicity-portal-item")

    # A reconsideration body revokes the decision: the approver withdraws it at once.
    relogin(page, "ap_a1")
    page.goto(f"/publicity/items/{pub.pk}/")
    page.get_by_label("撤下原因").select_option("revoked")
    page.get_by_label("依据文号").fill("甲一县人民政府复议决定〔2026〕3号")
    page.get_by_role("button", name="立即撤下").click()
    assert page.locator("#pub-state").inner_text() == "已撤下"

    # The portal says it was withdrawn, when and why, and no longer shows the content or finds it.
    page.context.clear_cookies()
    page.goto(f"/portal/items/{pub.pk}/")
    notice = page.get_by_role("status").inner_text()
    assert "该信息已于" in notice and "撤下" in notice and "被依法撤销" in notice
    assert "罚款二百元" not in page.content() and "防篡改证明" not in page.content()
    shot("publicity-portal-withdrawn")
    page.goto(f"/portal/{pubdesk.tree.a1.code}/search/?q=过期食品")
    assert "共 0 条" in page.get_by_role("status").inner_text()
    assert "没有找到符合条件的公示信息" in page.content()
