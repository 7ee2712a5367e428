"""Item lists (INS-01): a version created whole, every row checked (all-or-nothing), submitted by the agency's heads,
reviewed by the county's market-regulation department, published; a newer version supersedes the older."""

import io
from decimal import Decimal

import pytest

from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.inspections import items
from zhifa.inspections.models import Item, ItemList, ItemListStep, ListState
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant

from .conftest import xlsx

pytestmark = pytest.mark.req("INS-01")


def row(**kw):
    base = {"number": "1", "name": "企业公示信息情况检查", "basis": "《企业信息公示暂行条例》第十四条", "body": "甲一县市场监督管理局",
            "target_type": "enterprise", "content": "年度报告公示信息", "method": "书面检查", "kind": "general",
            "ratio": "5%", "frequency": "每年一次"}
    return base | kw


def make(world, agency=None, actor=None, rows=None):
    return items.item_list_create(actor=actor or world.head, agency=agency or world.a1, title="随机抽查事项清单",
                                  rows=rows or [row(), row(number="2", kind="key", ratio="1")])


def test_created_whole_and_logged_with_the_rows_digest(world):
    lst = make(world)
    assert lst.version == 1 and lst.state == ListState.DRAFT and lst.items.count() == 2
    entry = Entry.objects.get(kind="inspections.item_list_created")
    assert entry.subject == f"inspections.item_list:{lst.pk}"
    assert '"rows":2' in entry.payload and "rows_sha256" in entry.payload
    assert Item.objects.get(item_list=lst, number="1").ratio == Decimal("0.05")


@pytest.mark.parametrize("ratio, message", [
    ("0", "应大于 0"), ("1.5", "应大于 0"), ("abc", "应为百分比或小数"), ("6%", "一般检查事项的抽查比例不能超过 5%")])
def test_a_bad_ratio_is_refused_naming_row_and_column(world, ratio, message):
    with pytest.raises(ZhifaError) as exc:
        make(world, rows=[row(), row(number="2", ratio=ratio)])
    assert "第 2 行“抽查比例”" in exc.value.message and message in exc.value.message
    assert exc.value.code == "inspection_ratio_invalid"
    assert not ItemList.objects.exists()  # all-or-nothing


def test_a_key_item_has_no_ratio_cap_and_0_05_equals_5_percent(world):
    lst = make(world, rows=[row(kind="key", ratio="1"), row(number="2", ratio="0.05"), row(number="3", ratio=0.03)])
    assert sorted(lst.items.values_list("ratio", flat=True)) == [Decimal("0.03"), Decimal("0.05"), Decimal("1")]


def test_required_fields_choices_and_numbers_are_checked(world):
    with pytest.raises(ZhifaError) as exc:
        make(world, rows=[row(basis=""), row(target_type="飞机"), row(number="1", kind="随便")])
    m = exc.value.message
    assert "第 1 行“检查依据”：必填项为空" in m and "第 2 行“检查对象类型”" in m and "第 3 行“事项类别”" in m
    assert "与第 1 行重复" in m
    assert exc.value.code == "inspection_item_invalid"


def test_too_many_rows_are_refused(world):
    with pytest.raises(ZhifaError, match="至多 500 行"):
        make(world, rows=[row(number=str(n)) for n in range(501)])


def test_workbook_by_chinese_labels(world):
    header = [items.LABELS[f] for f in items.FIELDS]
    data = xlsx([header, ["1", "事项", "", "依据", "主体", "企业", "内容", "方式", "重点检查事项", "100%", "每年", ""]])
    rows = items.rows_from_workbook(io.BytesIO(data))
    lst = items.item_list_create(actor=world.head, agency=world.a1, title="清单", rows=rows, first_row=2)
    item = lst.items.get()
    assert (item.kind, item.target_type, item.ratio) == ("key", "enterprise", Decimal("1"))


def test_a_workbook_missing_a_column_is_refused(world):
    with pytest.raises(ZhifaError, match="缺少列：.*检查依据"):
        items.rows_from_workbook(io.BytesIO(xlsx([["序号", "抽查事项"], ["1", "x"]])))


def test_template_and_export_round_trip(world):
    rows = items.rows_from_workbook(io.BytesIO(items.template_workbook()))
    lst = items.item_list_create(actor=world.head, agency=world.a1, title="清单", rows=rows, first_row=2)
    again = items.rows_from_workbook(io.BytesIO(items.export_workbook(lst)))
    assert items.rows_digest(items.rows_clean(again, agency=world.a1)) == items.rows_digest(
        items.rows_clean(rows, agency=world.a1))


def test_an_officer_or_another_agency_cannot_create(world):
    for actor in (world.officer, world.env_head):
        with pytest.raises(PermissionDeniedError):
            make(world, actor=actor)


def test_submit_by_heads_only(world):
    lst = make(world)
    for actor in (world.officer, world.dz, world.env_head):
        with pytest.raises(PermissionDeniedError):
            items.item_list_submit(item_list=lst, actor=actor)
    lst = items.item_list_submit(item_list=lst, actor=world.head)
    assert lst.state == ListState.SUBMITTED


def test_env_head_cannot_approve_its_own_list_the_market_head_can(world):
    lst = make(world, agency=world.env, actor=world.env_head,
               rows=[row(body="甲一县生态环境局")])
    items.item_list_submit(item_list=lst, actor=world.env_head)
    with pytest.raises(PermissionDeniedError):
        items.item_list_approve(item_list=lst, actor=world.env_head)
    with pytest.raises(PermissionDeniedError):
        items.item_list_approve(item_list=lst, actor=world.users.head_a2 if hasattr(world.users, "head_a2")
                                else world.officer)
    lst = items.item_list_approve(item_list=lst, actor=world.head)
    assert lst.state == ListState.PUBLISHED and lst.published_at


def test_return_needs_a_reason_and_the_reviewer(world):
    lst = make(world)
    items.item_list_submit(item_list=lst, actor=world.head)
    with pytest.raises(PermissionDeniedError):
        items.item_list_return(item_list=lst, actor=world.env_head, reason="依据不全，请补充")
    with pytest.raises(ZhifaError, match="不少于 4 个字"):
        items.item_list_return(item_list=lst, actor=world.head, reason="不行")
    lst = items.item_list_return(item_list=lst, actor=world.head, reason="依据不全，请补充")
    assert lst.state == ListState.RETURNED
    assert ItemListStep.objects.get(item_list=lst, action="return").note == "依据不全，请补充"
    with pytest.raises(WrongStateError):
        items.item_list_approve(item_list=lst, actor=world.head)
    assert items.item_list_submit(item_list=lst, actor=world.head).state == ListState.SUBMITTED


def second_head(world):
    """Another head of a1 (the legal head): a1 is the county's market-regulation department and reviews its own list,
    but not by the head who submitted it (review M10)."""
    if not hasattr(world, "legal_head"):
        world.legal_head = grant(UserFactory(username="legal_a1_items"), Role.LEGAL_HEAD, agency=world.a1)
    return world.legal_head


def publish(world, lst):
    items.item_list_submit(item_list=lst, actor=world.head)
    return items.item_list_approve(item_list=lst, actor=second_head(world))


def test_the_submitter_may_not_approve_the_same_version(world):
    """Review M10 (four eyes): the head who submitted a version is refused (logged); another head approves."""
    lst = items.item_list_submit(item_list=make(world), actor=world.head)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    with pytest.raises(PermissionDeniedError, match="报送和审核应由不同的人员办理"):
        items.item_list_approve(item_list=lst, actor=world.head)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 1
    lst.refresh_from_db()
    assert lst.state == ListState.SUBMITTED
    assert items.item_list_approve(item_list=lst, actor=second_head(world)).state == ListState.PUBLISHED


@pytest.mark.parametrize("ratio", ["1e1000000", "1e1000000%", "-1e-1000000", "NaN", "sNaN", "Infinity", "-Infinity",
                                   "1e999999999"])
def test_an_absurd_ratio_is_a_ratio_error_not_a_crash(world, ratio):
    """Review M3: a huge exponent, NaN or infinity is a clear ratio error, never a 500."""
    with pytest.raises(ZhifaError) as exc:
        make(world, rows=[row(), row(number="2", ratio=ratio)])
    assert exc.value.code == "inspection_ratio_invalid" and "第 2 行“抽查比例”" in exc.value.message


def test_minus_zero_is_refused_as_not_above_zero(world):
    with pytest.raises(ZhifaError, match="应大于 0") as exc:
        make(world, rows=[row(), row(number="2", ratio="-0")])
    assert exc.value.code == "inspection_ratio_invalid"


def test_blank_rows_count_toward_the_cap_and_a_large_file_is_refused(world, monkeypatch):
    """Review M4: blank rows are read, so they count; a file over 20 MB is refused before it is parsed."""
    monkeypatch.setattr(items, "MAX_ITEMS", 3)
    header = [items.LABELS[f] for f in items.FIELDS]
    good = ["1", "事项", "", "依据", "主体", "企业", "内容", "方式", "重点检查事项", "100%", "每年", ""]
    with pytest.raises(ZhifaError, match="至多 3 行（空行也计入）"):
        items.rows_from_workbook(io.BytesIO(xlsx([header, good, *[[None] * 12] * 2, [""] * 12])))
    assert len(items.rows_from_workbook(io.BytesIO(xlsx([header, good, [None] * 12])))) == 1
    with pytest.raises(ZhifaError, match="文件过大"):
        items.rows_from_workbook(io.BytesIO(b"\0" * (items.MAX_FILE_BYTES + 1)))


def test_a_new_version_supersedes_the_published_one_on_approval(world):
    v1 = publish(world, make(world))
    v2 = make(world)
    assert v2.version == 2 and v2.supersedes_id == v1.pk
    v1.refresh_from_db()
    assert v1.state == ListState.PUBLISHED  # until v2 is approved
    publish(world, v2)
    v1.refresh_from_db()
    assert v1.state == ListState.SUPERSEDED
    step = ItemListStep.objects.get(item_list=v1, action="supersede")
    assert step.actor == second_head(world) and step.data["by"] == v2.pk
    assert ItemList.objects.filter(agency=world.a1, state=ListState.PUBLISHED).count() == 1


def test_two_drafts_of_a_new_version_keep_one_published(world):
    v1 = publish(world, make(world))
    v2, v3 = make(world), make(world)
    v2.refresh_from_db()
    assert v2.supersedes_id is None and v3.supersedes_id == v1.pk
    publish(world, v2)
    publish(world, v3)
    states = dict(ItemList.objects.filter(agency=world.a1).values_list("version", "state"))
    assert states == {1: "superseded", 2: "superseded", 3: "published"}
