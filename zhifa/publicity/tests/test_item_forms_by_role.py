"""Tryout 18 §11 and §15 on an item's page: each action form is shown only to those who hold its permission for
the item's agency (a county supervisor was offered 隐去 and 重新采集 and told "无权…" on submit); the history says
what happened to a replaced version once ("更新（已更新（历史版本））" was shown), and a page with nothing to do
has no empty "办理" heading."""

import re

import pytest
from django.urls import reverse

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.publicity import forms, services
from zhifa.publicity.models import Publication

from .conftest import decided_case


def _actions(client, user, pub) -> set[str]:
    """The actions whose forms the item's page shows to `user`."""
    client.force_login(user)
    page = client.get(reverse("publicity-item", args=[pub.pk]))
    assert page.status_code == 200
    prefix = re.escape(reverse("publicity-item", args=[pub.pk]))
    return set(re.findall(rf'action="{prefix}([a-z_]+)/"', page.content.decode()))


def _people(d):
    return {"supervisor": grant(UserFactory(), Role.SUPERVISOR, jurisdiction=d.tree.a1),
            "officer": d.officer, "editor": d.editor, "approver": d.approver}


@pytest.mark.req("PUB-04")
def test_each_role_sees_only_the_forms_it_may_use(client, pubdesk):
    pub = Publication.objects.get(case=decided_case(pubdesk))
    assert reverse("publicity-act", args=[pub.pk, "submit"]).endswith("/submit/")  # what _actions reads
    people = _people(pubdesk)
    seen = {role: _actions(client, user, pub) for role, user in people.items()}
    assert seen["supervisor"] == set() and seen["officer"] == set()
    assert {"mask_add", "recollect", "submit", "request_exemption"} <= seen["editor"]
    assert {"mask_add", "recollect", "submit"} <= seen["approver"]
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    seen = {role: _actions(client, user, pub) for role, user in people.items()}
    assert seen["supervisor"] == set() and seen["officer"] == set()
    assert {"approve", "return"} <= seen["approver"] and not {"approve", "return"} & seen["editor"]
    # What is shown can be done, and what is hidden is refused: the page and the services agree.
    client.force_login(people["supervisor"])
    response = client.post(reverse("publicity-act", args=[pub.pk, "mask_add"]),
                           {"kind": "other", "text": "过期", "reason": "测试"})
    assert response.status_code == 403 and "无权" in response.content.decode()
    client.force_login(pubdesk.approver)
    response = client.post(reverse("publicity-act", args=[pub.pk, "mask_add"]),
                           {"kind": "other", "text": "过期", "reason": "测试"}, follow=True)
    assert [m.message for m in response.context["messages"]] == ["已隐去 1 处，公开文本预览已更新。"]


def test_one_helper_knows_every_actions_permission(pubdesk):
    """Every action of an item names the permission its service checks, and allowed_actions answers for each."""
    assert all(form.required() for form in forms.ITEM_ACTIONS.values())
    sup = grant(UserFactory(), Role.SUPERVISOR, jurisdiction=pubdesk.tree.a1)
    pub = Publication.objects.get(case=decided_case(pubdesk))
    assert not any(forms.allowed_actions(sup, pub).values())
    editor = forms.allowed_actions(pubdesk.editor, pub)
    assert editor["mask_add"] and editor["recollect"] and not editor["approve"] and not editor["mask_removal_approve"]
    assert all(forms.allowed_actions(pubdesk.approver, pub).values())


@pytest.mark.req("PUB-08")
def test_a_replaced_version_says_so_once_and_has_no_empty_heading(client, pubdesk):
    old = Publication.objects.get(case=decided_case(pubdesk))
    new = services.decision_recollect(publication=old, actor=pubdesk.editor, mode="full")
    client.force_login(pubdesk.editor)
    page = client.get(reverse("publicity-item", args=[old.pk])).content.decode()
    history = page[page.index("流转记录"):]
    assert "由新版本取代，本版成为历史版本" in history
    assert "更新（已更新" not in history and "（历史版本））" not in history
    assert 'id="act-h"' not in page  # nothing to do on a replaced version: no "办理" heading
    page = client.get(reverse("publicity-item", args=[new.pk])).content.decode()
    assert "<h2 id=\"act-h\">办理</h2>" in page  # the new one has work to do
    # The supervisor, who may do nothing on it, sees no "办理" heading either.
    client.force_login(grant(UserFactory(), Role.SUPERVISOR, jurisdiction=pubdesk.tree.a1))
    assert 'id="act-h"' not in client.get(reverse("publicity-item", args=[new.pk])).content.decode()
