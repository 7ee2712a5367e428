"""Nobody is offered a step that makes the next one impossible for everyone (tryout 18, defect 5), and the upload
stays on the list while the case gate finds the activity uncovered (defect 6)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.core.testing import query_count
from zhifa.org.models import RoleGrant
from zhifa.org.tests.factories import PersonFactory, UserFactory, grant
from zhifa.publicity import services as publicity
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case
from zhifa.records.selectors import av_problems_for_advance
from zhifa.records.tests.conftest import seizure  # noqa: F401  (fixture)
from zhifa.records.tests.media import mp4
from zhifa.records.tests.test_coverage import _seizure_record
from zhifa.records.tests.test_recordings import upload
from zhifa.rules.services import ruleset_apply
from zhifa.worklist.selectors import overdue_for, todo_for

pytestmark = pytest.mark.django_db

BLOCKED = "等待其他审核人（本机关没有其他公示审核人，请联系管理员授予）"


def kinds(user):
    return [i.kind for i in todo_for(user, on=timezone.localdate())]


def of_kind(user, prefix):
    return [i for i in todo_for(user, on=timezone.localdate()) if i.kind.startswith(prefix)]


def _name(user, name):
    user.first_name = name
    user.save(update_fields=["first_name"])


@pytest.fixture
def sole_approver(pubdesk, users):
    """The agency's head is its only approver: the desk's 公示信息审核人 has left."""
    RoleGrant.objects.filter(user=pubdesk.approver).update(revoked_at=timezone.now())
    _name(pubdesk.editor, "丁英辉")
    _name(users.head_a1, "王局长")
    return users.head_a1


@pytest.mark.req("PUB-07")
def test_the_only_approver_is_not_offered_the_submit_step_the_editor_is(pubdesk, sole_approver):
    decided_case(pubdesk)
    assert "publicity.submit" not in kinds(sole_approver)
    mine = of_kind(pubdesk.editor, "publicity.submit")
    assert len(mine) == 1 and mine[0].actor == "丁英辉"  # named, not "公示信息编辑或…执法机关负责人"
    # Submitted by the editor, the head approves it from his list.
    publicity.publication_submit(publication=Publication.objects.get(), actor=pubdesk.editor)
    assert "publicity.approve" in kinds(sole_approver)


@pytest.mark.req("PUB-07")
def test_the_submitter_is_never_offered_the_approval_and_waits_when_no_one_else_can(client, pubdesk, sole_approver,
                                                                                    users, tree):
    decided_case(pubdesk)
    pub = Publication.objects.get()
    publicity.publication_submit(publication=pub, actor=sole_approver)  # as in the tryout: he submitted it himself
    assert "publicity.approve" not in kinds(sole_approver)
    waiting = of_kind(sole_approver, "publicity.blocked")
    assert len(waiting) == 1 and waiting[0].title == BLOCKED and waiting[0].blocked
    client.force_login(sole_approver)
    page = client.get("/").content.decode()
    assert BLOCKED in page and f'href="/publicity/items/{pub.pk}/#act-h"' not in page
    assert f'<a href="/publicity/items/{pub.pk}/#act-h">{BLOCKED}' not in page
    # On the overdue page of the supervisor above the agency, blocked although not yet overdue.
    found = [i for i in overdue_for(users.city_a_supervisor, on=timezone.localdate()) if i.blocked]
    assert len(found) == 1 and not found[0].overdue and "本机关没有其他公示审核人" in found[0].blocked
    client.force_login(users.city_a_supervisor)
    overdue_page = client.get("/worklist/overdue/").content.decode()
    assert f"《{pub.title}》待审核发布" in overdue_page and "无人可以办理" in overdue_page
    # Another approver granted: the item is his to approve, and no longer blocked for anyone.
    second = grant(UserFactory(username="ap2_a1"), Role.PUBLICITY_APPROVER, agency=tree.agency_a1)
    assert "publicity.approve" in kinds(second)
    assert of_kind(sole_approver, "publicity.blocked") == [] and "publicity.approve" not in kinds(sole_approver)
    assert [i for i in overdue_for(users.city_a_supervisor, on=timezone.localdate()) if i.blocked] == []
    publicity.publication_approve(publication=pub, actor=second)
    assert Publication.objects.get(pk=pub.pk).state == "published"


@pytest.mark.req("PUB-07")
def test_with_two_approvers_the_one_who_submitted_leaves_the_approval_to_the_other(pubdesk, users):
    _name(users.head_a1, "王局长")
    decided_case(pubdesk)
    assert "publicity.submit" in kinds(pubdesk.approver) and "publicity.submit" in kinds(users.head_a1)
    publicity.publication_submit(publication=Publication.objects.get(), actor=pubdesk.approver)
    assert "publicity.approve" not in kinds(pubdesk.approver) and of_kind(pubdesk.approver, "publicity.blocked") == []
    approve = of_kind(users.head_a1, "publicity.approve")
    assert len(approve) == 1 and approve[0].actor == "王局长"  # the submitter is not named among who acts


@pytest.mark.req("PUB-07")
def test_an_approver_in_post_only_counts(pubdesk, sole_approver, tree):
    """A second approver whose person has left the post (在岗 unticked) cannot be counted on."""
    gone = grant(UserFactory(username="gone_a1"), Role.PUBLICITY_APPROVER, agency=tree.agency_a1)
    PersonFactory(agency=tree.agency_a1, user=gone, name="离岗审核人", active=False)
    decided_case(pubdesk)
    assert "publicity.submit" not in kinds(sole_approver)


@pytest.mark.req("PUB-07")
def test_the_only_editor_who_is_the_only_approver_sees_the_item_blocked(pubdesk, sole_approver):
    RoleGrant.objects.filter(user=pubdesk.editor).update(revoked_at=timezone.now())
    decided_case(pubdesk)
    assert "publicity.submit" not in kinds(sole_approver)
    waiting = of_kind(sole_approver, "publicity.blocked")
    assert len(waiting) == 1 and waiting[0].title.startswith("等待其他人员提交审核")


# --- the recording stays due until the gate finds the activity covered ----------------------------------------

@pytest.fixture
def im_m(tree, users):
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)


def _short_clip(desk, case, camera, document, start, seconds=25):
    """A clip whose media lasts `seconds` although its uploader says it covers the 40 minutes."""
    return upload(desk, case, camera, document=document, start=start, minutes=40, data=mp4(frames=seconds, fps=1))


@pytest.mark.req("REC-03")
def test_a_short_clip_leaves_the_upload_due_with_what_is_missing_until_the_gate_is_satisfied(on_duty, im_m, seizure):  # noqa: F811
    case, camera = seizure
    start = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    record = _seizure_record(on_duty, case, start=start, minutes=40)
    _short_clip(on_duty, case, camera, record, start)
    gate = av_problems_for_advance(case)
    assert any("未覆盖全过程" in p for p in gate)
    items = of_kind(on_duty.officer, "records.upload")
    end, reach = start + dt.timedelta(minutes=40), start + dt.timedelta(seconds=25)
    assert len(items) == 1 and items[0].title.startswith("补传")
    assert items[0].hint == f"已上传的音像记录只到 {reach:%H:%M:%S}，尚缺 {reach:%H:%M:%S}–{end:%H:%M:%S}"
    assert f"?document={record.pk}&activity=" in items[0].url
    # The rest uploaded: the gate and the list agree that nothing is missing.
    upload(on_duty, case, camera, document=record, start=start + dt.timedelta(seconds=20), minutes=40,
           device_checked=False, opening_statement=False)
    assert not any("未覆盖" in p or "尚无音像记录" in p for p in av_problems_for_advance(case))
    assert of_kind(on_duty.officer, "records.upload") == []


def _another_seizure(desk, camera, start, n):
    case = cases.case_open(agency=desk.agency, handling_unit=desk.unit, title=f"扣押涉案车辆{n}", action_type="coercion",
                           procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        cases.officer_assign(case=case, person=person, actor=desk.officer)
    cases.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意", approver="局长"), actor=desk.officer)
    case = cases.case_advance(case=case, actor=desk.head)
    record = _seizure_record(desk, case, start=start, minutes=40)
    _short_clip(desk, case, camera, record, start)
    return case


def test_the_upload_items_are_read_in_a_fixed_number_of_queries(on_duty, im_m, seizure):  # noqa: F811
    case, camera = seizure
    start = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    _short_clip(on_duty, case, camera, _seizure_record(on_duty, case, start=start, minutes=40), start)

    def measure():
        return query_count(lambda: todo_for(on_duty.officer, on=timezone.localdate()))

    small = measure()
    for n in range(3):
        _another_seizure(on_duty, camera, start, n)
    assert len(of_kind(on_duty.officer, "records.upload")) == 4
    assert measure() <= small
