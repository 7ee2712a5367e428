"""A notification is made once when an item lands on a person's list, by the periodic run or the home page, and
e-mailed where e-mail is configured (issue 18 §1)."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.worklist import services
from zhifa.worklist.models import Notification
from zhifa.worklist.services import notify_everyone

from .test_providers import _open

pytestmark = pytest.mark.django_db


def filed(desk):
    from zhifa.cases import services as case_services

    case = _open(desk, actor=desk.officer)
    case_services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="举报", opinion="同意立案", approver="局长"), actor=desk.officer)
    return case


def test_each_item_is_notified_once_however_often_the_notifier_runs(on_duty, users, settings):
    settings.ZHIFA_NOTIFY_EMAIL = False
    case = filed(on_duty)
    first = notify_everyone()
    assert first >= 2  # the handling head and the agency head may both approve the filing
    assert notify_everyone() == 0
    rows = Notification.objects.filter(key=f"cases.approve_filing:{case.pk}")
    assert {n.recipient_id for n in rows} == {on_duty.head.pk, users.head_a1.pk}
    assert all(n.title == "批准立案，开始调查取证" and n.read_at is None for n in rows)


def test_the_command_runs_the_notifier(on_duty, users, settings, capsys):
    settings.ZHIFA_NOTIFY_EMAIL = False
    filed(on_duty)
    call_command("worklist_notify")
    assert "新通知 2 条" in capsys.readouterr().out
    call_command("worklist_notify")
    assert "新通知 0 条" in capsys.readouterr().out


def test_new_items_are_emailed_where_email_is_configured(on_duty, users, settings, django_capture_on_commit_callbacks):
    settings.ZHIFA_NOTIFY_EMAIL = True
    settings.ZHIFA_SITE_URL = "https://zhifa.example.gov.cn"
    users.head_a1.email = "head@example.gov.cn"
    users.head_a1.save(update_fields=["email"])
    case = _open(on_duty, actor=on_duty.officer, title="张三销售过期食品")
    from zhifa.cases import services as case_services

    case_services.document_record(case=case, form="filing_approval", elements=elements(
        on_duty, case_source="举报", opinion="同意立案", approver="局长"), actor=on_duty.officer)
    with django_capture_on_commit_callbacks(execute=True):
        notify_everyone()
    to_head = [m for m in mail.outbox if m.to == ["head@example.gov.cn"]]
    assert len(to_head) == 1
    body = to_head[0].body
    assert "1 项新的待办事项" in body and f"批准立案，开始调查取证（{case.number}）" in body
    assert "https://zhifa.example.gov.cn/" in body
    assert "张三" not in body and case.title not in body  # the case's title names the party: not in an outside mail
    assert len(mail.outbox) == 1  # the handling head has no e-mail address: in the application only
    with django_capture_on_commit_callbacks(execute=True):
        notify_everyone()
    assert len(mail.outbox) == 1


def test_no_email_without_configuration(on_duty, users, settings, django_capture_on_commit_callbacks):
    settings.ZHIFA_NOTIFY_EMAIL = False
    users.head_a1.email = "head@example.gov.cn"
    users.head_a1.save(update_fields=["email"])
    filed(on_duty)
    with django_capture_on_commit_callbacks(execute=True):
        notify_everyone()
    assert mail.outbox == []


def test_home_page_notifies_its_viewer_at_once_and_opening_marks_read(client, on_duty, users, settings):
    settings.ZHIFA_NOTIFY_EMAIL = False
    case = filed(on_duty)
    client.force_login(users.head_a1)
    page = client.get("/").content.decode()
    assert "批准立案，开始调查取证" in page and case.number in page
    assert 'aria-label="1 条未读"' in page
    note = Notification.objects.get(recipient=users.head_a1)
    listing = client.get("/worklist/notifications/").content.decode()
    assert "未读" in listing and case.number in listing
    response = client.get(f"/worklist/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/#next-step"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "条未读" not in client.get("/").content.decode()


def test_another_persons_notification_is_not_found(client, on_duty, users, settings):
    settings.ZHIFA_NOTIFY_EMAIL = False
    filed(on_duty)
    notify_everyone()
    theirs = Notification.objects.get(recipient=on_duty.head)
    client.force_login(users.head_a1)
    assert client.get(f"/worklist/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_are_append_only_but_for_being_read(on_duty, users, settings):
    settings.ZHIFA_NOTIFY_EMAIL = False
    filed(on_duty)
    notify_everyone()
    note = Notification.objects.filter(recipient=users.head_a1).first()
    note.title = "改过的"
    with pytest.raises(ZhifaError):
        note.save()
    with pytest.raises(ZhifaError):
        Notification.objects.filter(pk=note.pk).update(title="改过的")
    with pytest.raises(ZhifaError):
        Notification.objects.filter(pk=note.pk).delete()
    assert Notification.objects.filter(pk=note.pk).update(read_at=timezone.now()) == 1


def test_a_race_between_the_home_page_and_the_notifier_mails_each_new_notification_once(
        client, on_duty, users, settings, monkeypatch, django_capture_on_commit_callbacks):
    """The notifier has computed what is new; before it stores, the head loads the home page, which stores the same
    item first. The notifier's insert of it is skipped, and only the writer that inserted a row mails it."""
    settings.ZHIFA_NOTIFY_EMAIL = True
    for user, address in ((users.head_a1, "head@example.gov.cn"), (on_duty.head, "unit@example.gov.cn")):
        user.email = address
        user.save(update_fields=["email"])
    case = filed(on_duty)
    client.force_login(users.head_a1)
    store, raced = services._store, []

    def home_page_first(pending):
        if not raced:
            raced.append(True)
            assert users.head_a1.pk in pending  # the notifier found the item new for the head
            assert client.get("/").status_code == 200  # the home page's own sync stores it (through store)
        return store(pending)

    monkeypatch.setattr(services, "_store", home_page_first)
    with django_capture_on_commit_callbacks(execute=True):
        made = notify_everyone()
    assert raced and made == 1  # the notifier inserted the unit head's row only
    assert Notification.objects.filter(key=f"cases.approve_filing:{case.pk}").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["head@example.gov.cn", "unit@example.gov.cn"]
    assert all("共" not in m.body and "1 项新的待办事项" in m.body for m in mail.outbox)


def test_opening_another_persons_notification_is_refused_by_the_one_error_mapping(on_duty, users, settings):
    settings.ZHIFA_NOTIFY_EMAIL = False
    filed(on_duty)
    notify_everyone()
    theirs = Notification.objects.get(recipient=on_duty.head)
    with pytest.raises(NotFoundError):
        services.notification_open(notification=theirs, actor=users.head_a1)


def test_the_bell_counts_at_most_99_and_says_so(client, on_duty, users, settings):
    """Tryout of issue 19: the list said "共 1 000+ 条" while the bell counted all 1 102 unread rows on every staff page.
    The bell counts up to 100 (one LIMITed subquery) and shows "99+"."""
    settings.ZHIFA_NOTIFY_EMAIL = False
    Notification.objects.bulk_create([Notification(recipient=users.head_a1, key=f"test:{i}", kind="test",
                                                   title="测试通知", url="/") for i in range(120)])
    client.force_login(users.head_a1)
    page = client.get("/worklist/notifications/").content.decode()
    assert 'aria-label="99+ 条未读">99+</span>' in page
