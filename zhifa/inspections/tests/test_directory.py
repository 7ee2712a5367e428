"""The target directory and recusal links (INS-02): an Excel import checked row by row, all-or-nothing, upserting by
code and logged with the file's digest; recusal links declared and ended by new rows."""

import datetime as dt
import hashlib
import io
import json

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.inspections import directory
from zhifa.inspections.models import RecusalLink, Target
from zhifa.ledger.models import Entry

from .conftest import credit_code, drawn_batch, xlsx

pytestmark = pytest.mark.req("INS-02")

HEADER = ["统一社会信用代码或编码", "名称", "类型", "风险（信用）分类", "所在行政区划代码", "地址", "在册"]


def run(world, rows, actor=None):
    return directory.targets_import(actor=actor or world.dz, agency=world.a1, file=xlsx([HEADER, *rows]))


def test_import_creates_updates_and_logs_the_digest(world):
    existing = world.targets[0]
    new_code = credit_code("341101", 900)
    rows = [[existing.code, "改名后的公司", "企业", "高风险", "T10101", "新地址", "是"],
            [world.targets[1].code, world.targets[1].name, "企业", "low", "T10101", world.targets[1].address, "是"],
            [new_code, "新商贸公司", "enterprise", "ordinary", "T10101", "", "否"],
            ["PRD-001", "某产品", "产品", "低风险", "T10101", "", ""]]
    data = xlsx([HEADER, *rows])
    result = directory.targets_import(actor=world.dz, agency=world.a1, file=data)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.risk_class, existing.address) == ("改名后的公司", "high", "新地址")
    assert Target.objects.get(agency=world.a1, code=new_code).active is False
    entry = Entry.objects.get(kind="inspections.directory_imported")
    assert entry.subject == f"inspections.directory:{world.a1.pk}"
    payload = json.loads(entry.payload)
    changes_sha256 = payload.pop("changes_sha256")
    assert payload == {"created": 2, "updated": 1, "unchanged": 1, "file_sha256": hashlib.sha256(data).hexdigest()}
    # The file and the per-target change list are kept as evidence (review H5).
    assert _blob_bytes(payload["file_sha256"]) == data
    lines = [json.loads(x) for x in _blob_bytes(changes_sha256).decode().splitlines()]
    assert [x["code"] for x in lines] == [existing.code, new_code, "PRD-001"]
    assert lines[0]["before"]["risk_class"] == "low" and lines[0]["after"]["risk_class"] == "high"
    assert lines[0]["before"]["place"] == "T10101" and lines[1]["before"] == {}


def _blob_bytes(sha256: str) -> bytes:
    from django.core.files.storage import default_storage

    from zhifa.ledger.models import Blob

    blob = Blob.objects.get(sha256=sha256)
    with default_storage.open(blob.storage_name, "rb") as f:
        return f.read()


def test_hiding_a_target_and_restoring_it_leaves_a_per_target_trace(world):
    """Review H5: deactivated before a freeze and restored after, the target's two changes are each kept."""
    t = world.targets[0]
    row = [t.code, t.name, "企业", t.risk_class, "T10101", t.address]
    shas = []
    for active in ("否", "是"):
        run(world, [row + [active]])
        shas.append(json.loads(Entry.objects.filter(kind="inspections.directory_imported").latest("id").payload)
                    ["changes_sha256"])
    hidden, restored = (json.loads(_blob_bytes(s).decode()) for s in shas)
    assert (hidden["code"], hidden["before"]["active"], hidden["after"]["active"]) == (t.code, True, False)
    assert (restored["before"]["active"], restored["after"]["active"]) == (False, True)
    run(world, [row + ["是"]])  # nothing changed: no change list
    assert json.loads(Entry.objects.filter(kind="inspections.directory_imported").latest("id").payload)[
        "changes_sha256"] is None


def test_blank_rows_count_toward_the_cap_and_a_large_file_is_refused(world, monkeypatch):
    """Review M4: blank rows are read too, so they count; a file over 20 MB is refused before it is parsed."""
    monkeypatch.setattr(directory, "MAX_IMPORT_ROWS", 5)
    blank = [[None] * 7] * 5 + [[""] * 7]
    with pytest.raises(ZhifaError, match="至多导入 5 行"):
        run(world, [[credit_code("341101", 905), "甲", "企业", "low", "T10101", "", "是"], *blank])
    big = io.BytesIO(b"\0" * (directory.MAX_FILE_BYTES + 1))
    with pytest.raises(ZhifaError, match="文件过大") as exc:
        directory.targets_import(actor=world.dz, agency=world.a1, file=big)
    assert exc.value.code == "inspection_import_invalid"


@pytest.mark.parametrize("row, column, message", [
    (lambda c: [c[:-1] + ("0" if c[-1] != "0" else "1"), "甲", "企业", "low", "T10101", "", "是"], "统一社会信用代码或编码",
     "校验码"),
    (lambda c: [c, "甲", "企业", "极高风险", "T10101", "", "是"], "风险（信用）分类", "低风险（low）"),
    (lambda c: [c, "甲", "企业", "low", "T10201", "", "是"], "所在行政区划代码", "不在甲一县的辖区内"),
    (lambda c: [c, "甲", "企业", "low", "T99999", "", "是"], "所在行政区划代码", "不存在"),
    (lambda c: [c, "甲", "飞船", "low", "T10101", "", "是"], "类型", "应为企业"),
    (lambda c: [c, "", "企业", "low", "T10101", "", "是"], "名称", "必填项为空"),
    (lambda c: [c, "甲", "企业", "low", "T10101", "", "也许"], "在册", "应为“是”或“否”"),
    (lambda c: ["bad code!", "甲", "产品", "low", "T10101", "", "是"], "统一社会信用代码或编码", "1 至 40 位"),
])
def test_a_bad_row_is_named_and_nothing_is_imported(world, row, column, message):
    good = [credit_code("341101", 901), "好公司", "企业", "low", "T10101", "", "是"]
    before = Target.objects.count()
    with pytest.raises(ZhifaError) as exc:
        run(world, [good, row(credit_code("341101", 902))])
    assert f"第 3 行“{column}”" in exc.value.message and message in exc.value.message
    assert Target.objects.count() == before  # all-or-nothing
    assert not Entry.objects.filter(kind="inspections.directory_imported").exists()


def test_a_code_twice_in_one_file_is_an_error(world):
    code = credit_code("341101", 903)
    with pytest.raises(ZhifaError, match="第 3 行“统一社会信用代码或编码”：与第 2 行重复"):
        run(world, [[code, "甲", "企业", "low", "T10101", "", "是"], [code, "乙", "企业", "low", "T10101", "", "是"]])


def test_a_missing_column_is_named(world):
    with pytest.raises(ZhifaError, match="缺少列：风险（信用）分类"):
        directory.targets_import(actor=world.dz, agency=world.a1,
                                 file=xlsx([["统一社会信用代码或编码", "名称", "类型", "所在行政区划代码"]]))


def test_only_the_first_50_errors_are_listed(world):
    rows = [[f"X{n}!", "甲", "产品", "low", "T10101", "", "是"] for n in range(60)]
    with pytest.raises(ZhifaError) as exc:
        run(world, rows)
    assert len(exc.value.details["errors"]) == 50 and exc.value.details["count"] == 60
    assert "共 60 处错误" in exc.value.message


def test_import_needs_manage_of_the_agency(world):
    for actor in (world.officer, world.env_head, world.sup):
        with pytest.raises(PermissionDeniedError):
            run(world, [[credit_code("341101", 904), "甲", "企业", "low", "T10101", "", "是"]], actor=actor)


def test_recusal_declared_and_ended_by_a_new_row(world):
    target, person = world.targets[0], world.inspectors[0].person
    link = directory.recusal_declare(actor=world.head, target=target, person=person, reason="近亲属在该企业任职")
    assert list(directory.active_links(target)) == [link]
    with pytest.raises(ZhifaError, match="已登记"):
        directory.recusal_declare(actor=world.head, target=target, person=person, reason="近亲属在该企业任职")
    with pytest.raises(ZhifaError, match="不少于 4 个字"):
        directory.recusal_end(actor=world.head, link=link, reason="离职")
    end = directory.recusal_end(actor=world.head, link=link, reason="亲属已离职，利害关系消除")
    assert end.ends == link and not directory.active_links(target).exists()
    assert RecusalLink.objects.count() == 2
    kinds = list(Entry.objects.filter(subject=f"inspections.directory:{world.a1.pk}").values_list("kind", flat=True))
    assert kinds == ["inspections.recusal_declared", "inspections.recusal_ended"]
    with pytest.raises(ZhifaError, match="已解除"):
        directory.recusal_end(actor=world.head, link=link, reason="亲属已离职，利害关系消除")


def test_recusal_only_for_a_person_of_the_agency_and_by_its_managers(world):
    target = world.targets[0]
    with pytest.raises(ZhifaError, match="应为甲一县市场监督管理局的工作人员"):
        directory.recusal_declare(actor=world.head, target=target, person=world.env_inspectors[0].person,
                                  reason="近亲属在该企业任职")
    for actor in (world.officer, world.env_head, world.dz):  # a head declares, not the handling side (review H5)
        with pytest.raises(PermissionDeniedError):
            directory.recusal_declare(actor=actor, target=target, person=world.inspectors[0].person,
                                      reason="近亲属在该企业任职")


def test_a_link_is_not_ended_while_a_drawn_batch_of_the_agency_runs(world):
    """Review H5: a link committed into a draw holds through the batch's period; a handling head may not end it."""
    target, person = world.targets[0], world.inspectors[0].person
    link = directory.recusal_declare(actor=world.head, target=target, person=person, reason="近亲属在该企业任职")
    draw = drawn_batch(world)
    with pytest.raises(PermissionDeniedError):
        directory.recusal_end(actor=world.dz, link=link, reason="亲属已离职，利害关系消除")
    with pytest.raises(ZhifaError, match="检查期间不能解除") as exc:
        directory.recusal_end(actor=world.head, link=link, reason="亲属已离职，利害关系消除")
    assert exc.value.code == "inspection_recusal_invalid" and draw.batch.title in exc.value.message
    end = directory.recusal_end(actor=world.head, link=link, reason="亲属已离职，利害关系消除",
                                today=draw.batch.ends_on + dt.timedelta(days=1))
    assert end.ends == link
