"""Issue 18 §6: publicity editing says what happened and links its versions. Each action's message names what it
did (not "已办理。"); a re-collected draft's page shows its text and links to the version that replaced it, and the
new version links back; the history names steps in Chinese and people by name (PUB-01, PUB-04, PUB-08)."""

import re

import pytest
from django.urls import reverse

from zhifa.org.tests.factories import PersonFactory
from zhifa.publicity import services
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import STEP_LABELS

from .conftest import decided_case


def _act(client, pub, action, **data) -> list[str]:
    response = client.post(reverse("publicity-act", args=[pub.pk, action]), data, follow=True)
    assert response.status_code == 200 and response.redirect_chain  # the page the action leads to shows them
    return [m.message for m in response.context["messages"]]


@pytest.fixture
def named(pubdesk):
    PersonFactory(name="赵采集", agency=pubdesk.agency, user=pubdesk.editor)
    PersonFactory(name="钱审核", agency=pubdesk.agency, user=pubdesk.approver)
    return pubdesk


@pytest.mark.req("PUB-04")
@pytest.mark.req("PUB-01")
def test_each_action_says_what_it_did(client, named):
    pub = Publication.objects.get(case=decided_case(named))
    client.force_login(named.editor)
    assert _act(client, pub, "mask_add", kind="other", text="过期", reason="测试") == ["已隐去 1 处，公开文本预览已更新。"]
    assert _act(client, pub, "submit") == ["已提交审核，等待审核人审核。"]
    client.force_login(named.approver)
    assert _act(client, pub, "return", reason="隐去不全，请补充") == ["已退回采集人：隐去不全，请补充"]
    client.force_login(named.editor)
    _act(client, pub, "submit")
    client.force_login(named.approver)
    assert _act(client, pub, "approve", note="同意") == ["已发布，公众可见。"]
    messages = _act(client, pub, "withdraw", trigger="error", basis="纠错", note="")
    assert messages == ["已撤下，公示平台只显示撤下的时间和原因。"]


@pytest.mark.req("PUB-04")
def test_refusals_and_denials_say_why_and_change_nothing(client, named, users):
    pub = Publication.objects.get(case=decided_case(named))
    client.force_login(named.editor)
    _act(client, pub, "submit")
    # The editor may not approve: refused before anything is read.
    assert client.post(reverse("publicity-act", args=[pub.pk, "approve"]), {}).status_code == 403
    assert Publication.objects.get(pk=pub.pk).state == "submitted"
    client.force_login(named.approver)
    assert _act(client, pub, "return", reason="  ") == ["退回须说明理由。"]
    assert Publication.objects.get(pk=pub.pk).state == "submitted"
    # An officer of the agency may look but not approve; someone with no role there does not even see it.
    client.force_login(users.officer_a1)
    assert client.post(reverse("publicity-act", args=[pub.pk, "approve"]), {}).status_code == 403
    client.force_login(users.nobody)
    assert client.get(reverse("publicity-item", args=[pub.pk])).status_code == 404
    assert client.post(reverse("publicity-act", args=[pub.pk, "approve"]), {}).status_code == 404
    assert Publication.objects.get(pk=pub.pk).state == "submitted"


@pytest.mark.req("PUB-08")
def test_a_recollected_draft_links_to_its_new_version_and_back(client, named):
    old = Publication.objects.get(case=decided_case(named))
    client.force_login(named.editor)
    messages = _act(client, old, "recollect", mode="full")
    new = Publication.objects.get(supersedes=old)
    assert messages == [f"已按行政执法决定书全文重新采集为第{new.version}版；原采集稿未发布，已被取代，其页面链接到本版。"]
    page = client.get(reverse("publicity-item", args=[old.pk])).content.decode()
    assert re.search(rf'本版已被<a href="{reverse("publicity-item", args=[new.pk])}">第2版</a>取代', page)
    assert "本版从未发布，公众看不到" in page
    preview = re.search(r'<pre class="text" id="preview">(.*?)</pre>', page, re.S).group(1)
    assert "罚款二百元" in preview  # the old page is no longer an empty preview
    page = client.get(reverse("publicity-item", args=[new.pk])).content.decode()
    assert f'本版取代<a href="{reverse("publicity-item", args=[old.pk])}">第1版</a>' in page


@pytest.mark.req("PUB-01")
def test_history_names_steps_in_chinese_and_people_by_name(client, named):
    pub = Publication.objects.get(case=decided_case(named))
    services.publication_submit(publication=pub, actor=named.editor)
    services.publication_return(publication=pub, actor=named.approver, reason="请补充")
    services.publication_submit(publication=pub, actor=named.editor)
    services.publication_approve(publication=pub, actor=named.approver)
    client.force_login(named.approver)
    page = client.get(reverse("publicity-item", args=[pub.pk])).content.decode()
    history = page[page.index("流转记录"):]
    for label in (STEP_LABELS["collect"], STEP_LABELS["submit"], STEP_LABELS["return"], STEP_LABELS["approve"]):
        assert label in history
    assert "赵采集" in history and "钱审核" in history
    for code in ("collect", "submit", "return", "approve", "ed_a1", "ap_a1"):
        assert not re.search(rf"(?<![\w/-]){code}(?![\w/-])", re.sub(r"<[^>]+>", " ", history)), code
