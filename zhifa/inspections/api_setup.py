"""Random inspections API: the setup part (see api.py). The same services as the pages (STYLE habit 1); errors through
the project's one mapping (config/api.py)."""

import datetime as dt
from typing import Literal

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from zhifa.core.api import Day, Id, Pagination, Year, column
from zhifa.core.errors import NotFoundError
from zhifa.org.models import Agency, Jurisdiction, Person

from . import directory, items, plans
from . import selectors_setup as sel
from .models import MAX_ITEMS, MAX_TEXT, Batch, Item, ItemList, Plan, RecusalLink, Target
from .views_setup import require_view

router = Router()


# --- item lists ----------------------------------------------------------------------------------------------------

class InspectionItemRowIn(Schema):
    """One row; target_type and kind by code or Chinese label, ratio as "5%" or "0.05" (the service checks them, with
    the row and column named)."""

    number: column(Item, "number")
    name: column(Item, "name")
    sub_item: column(Item, "sub_item") = ""
    basis: str = Field(max_length=MAX_TEXT)
    body: column(Item, "body")
    target_type: str = Field(max_length=20, description="enterprise/individual/product/project/other 或中文名称")
    content: str = Field(max_length=MAX_TEXT)
    method: column(Item, "method")
    kind: str = Field(max_length=20, description="general（一般检查事项）或 key（重点检查事项）")
    ratio: str = Field(max_length=20, description="抽查比例：5% 或 0.05，大于 0 且不超过 1")
    frequency: column(Item, "frequency")
    inspector_requirements: column(Item, "inspector_requirements") = ""


class InspectionItemListCreateIn(Schema):
    agency_id: Id
    title: column(ItemList, "title")
    rows: list[InspectionItemRowIn] = Field(max_length=MAX_ITEMS + 1)


class InspectionItemListActIn(Schema):
    reason: str = Field("", max_length=MAX_TEXT, description="退回（return）的理由，不少于 4 个字；审核通过（approve）时为审核意见")


class InspectionItemOut(Schema):
    id: int
    number: str
    name: str
    sub_item: str
    basis: str
    body: str
    target_type: str
    content: str
    method: str
    kind: str
    ratio: str
    frequency: str
    inspector_requirements: str


class InspectionSetupStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    note: str
    data: dict
    log_entry_id: int


class InspectionItemListOut(Schema):
    id: int
    agency_id: int
    agency: str
    version: int
    title: str
    state: str
    supersedes_id: int | None
    created_at: dt.datetime
    published_at: dt.datetime | None


class InspectionItemListDetailOut(InspectionItemListOut):
    items: list[InspectionItemOut]
    steps: list[InspectionSetupStepOut]


def _step(s) -> dict:
    return {"action": s.action, "from_state": s.from_state, "to_state": s.to_state, "actor": str(s.actor), "at": s.at,
            "note": s.note, "data": s.data, "log_entry_id": s.entry_id}


def _list_out(lst) -> dict:
    return {"id": lst.pk, "agency_id": lst.agency_id, "agency": lst.agency.name, "version": lst.version,
            "title": lst.title, "state": lst.state, "supersedes_id": lst.supersedes_id, "created_at": lst.created_at,
            "published_at": lst.published_at}


def _item_out(i) -> dict:
    return {f: getattr(i, f) for f in items.FIELDS if f != "ratio"} | {"id": i.pk, "ratio": str(i.ratio)}


def _list_detail(request, pk: int) -> dict:
    lst = sel.item_list_get_for(actor=request.user, pk=pk, request=request)
    return _list_out(lst) | {"items": [_item_out(i) for i in lst.items.all()],
                             "steps": [_step(s) for s in lst.steps.all()]}


def _agency(pk: int) -> Agency:
    agency = Agency.objects.filter(pk=pk).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    return agency


@router.get("/item-lists", response=list[InspectionItemListOut], summary="随机抽查事项清单（本部门的各版本、下级已公示的、待我审核的）")
@paginate(Pagination, rows=lambda rows, request: [_list_out(r) for r in rows])
def item_list_list(request, state: column(ItemList, "state") | None = None):
    require_view(request)
    return sel.item_lists_for(actor=request.user, state=state or "")


@router.post("/item-lists", response={201: InspectionItemListDetailOut},
             summary="编制随机抽查事项清单的新版本（整版提交；任何一行有误则不保存，逐行列出错误）")
def item_list_create(request, payload: InspectionItemListCreateIn):
    lst = items.item_list_create(actor=request.user, agency=_agency(payload.agency_id), title=payload.title,
                                 rows=[r.dict() for r in payload.rows])
    return Status(201, _list_detail(request, lst.pk))


@router.get("/item-lists/{list_id}", response=InspectionItemListDetailOut, summary="随机抽查事项清单的一个版本：事项和办理过程")
def item_list_get(request, list_id: Id):
    return _list_detail(request, list_id)


@router.post("/item-lists/{list_id}/actions/{move}", response=InspectionItemListDetailOut,
             summary="报送审核（submit）、退回修改（return，须说明理由）、审核通过并公示（approve）")
def item_list_act(request, list_id: Id, move: Literal["submit", "return", "approve"], payload: InspectionItemListActIn):
    lst = sel.item_list_get_for(actor=request.user, pk=list_id, request=request)
    if move == "submit":
        items.item_list_submit(item_list=lst, actor=request.user)
    elif move == "return":
        items.item_list_return(item_list=lst, actor=request.user, reason=payload.reason)
    else:
        items.item_list_approve(item_list=lst, actor=request.user, note=payload.reason)
    return _list_detail(request, list_id)


# --- targets and recusal links -------------------------------------------------------------------------------------

class InspectionTargetOut(Schema):
    id: int
    agency_id: int
    code: str
    name: str
    target_type: str
    risk_class: str
    place_code: str
    address: str
    active: bool
    updated_at: dt.datetime


class InspectionRecusalOut(Schema):
    id: int
    target_id: int
    person_id: int
    person: str
    reason: str
    ends_id: int | None
    at: dt.datetime
    log_entry_id: int


class InspectionTargetDetailOut(InspectionTargetOut):
    recusals: list[InspectionRecusalOut] = Field(description="现行有效的回避关系")


class InspectionDirectoryImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    file_sha256: str


class InspectionRecusalIn(Schema):
    target_id: Id
    person_id: Id
    reason: column(RecusalLink, "reason")


class InspectionRecusalEndIn(Schema):
    reason: column(RecusalLink, "reason")


def _target_out(t) -> dict:
    return {"id": t.pk, "agency_id": t.agency_id, "code": t.code, "name": t.name, "target_type": t.target_type,
            "risk_class": t.risk_class, "place_code": t.place.code, "address": t.address, "active": t.active,
            "updated_at": t.updated_at}


def _recusal_out(link) -> dict:
    return {"id": link.pk, "target_id": link.target_id, "person_id": link.person_id, "person": link.person.name,
            "reason": link.reason, "ends_id": link.ends_id, "at": link.at, "log_entry_id": link.entry_id}


class InspectionTargetFilter(Schema):
    agency_id: Id
    target_type: column(Target, "target_type") | None = None
    risk_class: str = Field("", max_length=20, description="风险（信用）分类代码")
    active: Literal["", "1", "0"] = Field("", description="1 在册，0 不在册")
    q: str = Field("", max_length=100, description="名称或代码")


@router.get("/targets", response=list[InspectionTargetOut], summary="检查对象名录（按部门；可按类型、分类、在册状态、名称或代码筛选）")
@paginate(Pagination, rows=lambda rows, request: [_target_out(t) for t in rows])
def target_list(request, filters: Query[InspectionTargetFilter]):
    f = filters
    agency = sel.directory_agency_for(actor=request.user, pk=f.agency_id, request=request)
    return sel.targets_of(agency, target_type=f.target_type or "", risk_class=f.risk_class, active=f.active,
                          query=f.q.strip())


@router.post("/targets/import", response=InspectionDirectoryImportOut,
             summary="导入检查对象名录（.xlsx；按代码新增或更新；任何一行有误则不导入，列出前 50 处错误）")
def target_import(request, agency_id: Form[Id], file: File[UploadedFile]):
    r = directory.targets_import(actor=request.user, agency=_agency(agency_id), file=file)
    return {"created": r.created, "updated": r.updated, "unchanged": r.unchanged, "file_sha256": r.sha256}


@router.get("/targets/{target_id}", response=InspectionTargetDetailOut, summary="一个检查对象及其现行有效的回避关系")
def target_get(request, target_id: Id):
    t = sel.target_get_for(actor=request.user, pk=target_id, request=request)
    return _target_out(t) | {"recusals": [_recusal_out(x) for x in directory.active_links(t)]}


@router.post("/recusals", response={201: InspectionRecusalOut}, summary="登记检查人员与检查对象的回避关系")
def recusal_create(request, payload: InspectionRecusalIn):
    t = sel.target_get_for(actor=request.user, pk=payload.target_id, request=request)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise NotFoundError()
    return Status(201, _recusal_out(directory.recusal_declare(actor=request.user, target=t, person=person,
                                                              reason=payload.reason)))


@router.post("/recusals/{recusal_id}/end", response={201: InspectionRecusalOut}, summary="解除回避关系（新增一条解除记录）")
def recusal_end(request, recusal_id: Id, payload: InspectionRecusalEndIn):
    link = sel.recusal_get_for(actor=request.user, pk=recusal_id, request=request)
    return Status(201, _recusal_out(directory.recusal_end(actor=request.user, link=link, reason=payload.reason)))


# --- plans and batches ---------------------------------------------------------------------------------------------

class InspectionPlanIn(Schema):
    agency_id: Id
    year: int = Field(ge=2000, le=2100)
    title: column(Plan, "title")


class InspectionBatchIn(Schema):
    title: column(Batch, "title")
    item_ids: list[Id] = Field(max_length=MAX_ITEMS * 10)
    partner_ids: list[Id] = Field([], max_length=50)
    target_type: column(Batch, "target_type")
    area_code: str | None = Field(None, max_length=12, description="抽查区域的行政区划代码；不填为全辖区")
    starts_on: Day
    ends_on: Day
    inspectors_per_agency: int = Field(2, ge=0, le=100, description="每个部门每户检查人员数：1 至 10，单独抽查时不少于 2")


class InspectionPlanFileIn(Schema):
    note: str = Field("", max_length=2000)


class InspectionBatchOut(Schema):
    id: int
    plan_id: int
    number: int
    title: str
    target_type: str
    area_code: str | None
    starts_on: dt.date
    ends_on: dt.date
    inspectors_per_agency: int
    item_ids: list[int]
    partner_ids: list[int]


class InspectionPlanOut(Schema):
    id: int
    agency_id: int
    agency: str
    year: int
    title: str
    state: str
    filed_at: dt.datetime | None


class InspectionPlanDetailOut(InspectionPlanOut):
    batches: list[InspectionBatchOut]
    steps: list[InspectionSetupStepOut]


def _plan_out(p) -> dict:
    return {"id": p.pk, "agency_id": p.agency_id, "agency": p.agency.name, "year": p.year, "title": p.title,
            "state": p.state, "filed_at": p.filed_at}


def _batch_out(b) -> dict:
    return {"id": b.pk, "plan_id": b.plan_id, "number": b.number, "title": b.title, "target_type": b.target_type,
            "area_code": b.area.code if b.area else None, "starts_on": b.starts_on, "ends_on": b.ends_on,
            "inspectors_per_agency": b.inspectors_per_agency, "item_ids": sorted(i.pk for i in b.items.all()),
            "partner_ids": sorted(a.pk for a in b.partners.all())}


def _plan_detail(request, pk: int) -> dict:
    p = sel.plan_get_for(actor=request.user, pk=pk, request=request)
    return _plan_out(p) | {"batches": [_batch_out(b) for b in p.batches.all()],
                           "steps": [_step(s) for s in p.steps.all()]}


@router.get("/plans", response=list[InspectionPlanOut], summary="年度抽查计划（本部门的；下级已报备的）")
@paginate(Pagination, rows=lambda rows, request: [_plan_out(p) for p in rows])
def plan_list(request, year: Year | None = None):
    require_view(request)
    return sel.plans_for(actor=request.user, year=year)


@router.post("/plans", response={201: InspectionPlanDetailOut}, summary="编制年度抽查计划")
def plan_create(request, payload: InspectionPlanIn):
    p = plans.plan_create(actor=request.user, agency=_agency(payload.agency_id), year=payload.year,
                          title=payload.title)
    return Status(201, _plan_detail(request, p.pk))


@router.get("/plans/{plan_id}", response=InspectionPlanDetailOut, summary="年度抽查计划及其批次")
def plan_get(request, plan_id: Id):
    return _plan_detail(request, plan_id)


@router.post("/plans/{plan_id}/batches", response={201: InspectionBatchOut}, summary="增加抽查批次（草拟或已报备的计划）")
def batch_create(request, plan_id: Id, payload: InspectionBatchIn):
    p = sel.plan_get_for(actor=request.user, pk=plan_id, request=request)
    area = None
    if payload.area_code:
        area = Jurisdiction.objects.filter(code=payload.area_code).first()
        if area is None:
            raise NotFoundError("没有该行政区划。")
    b = plans.batch_add(actor=request.user, plan=p, title=payload.title, item_ids=payload.item_ids,
                        partner_ids=payload.partner_ids, target_type=payload.target_type, area=area,
                        starts_on=payload.starts_on, ends_on=payload.ends_on,
                        inspectors_per_agency=payload.inspectors_per_agency)
    return Status(201, _batch_out(sel.batch_get_for(actor=request.user, pk=b.pk, request=request)))


@router.post("/plans/{plan_id}/file", response=InspectionPlanDetailOut, summary="报备年度抽查计划（部门负责人）")
def plan_file(request, plan_id: Id, payload: InspectionPlanFileIn):
    p = sel.plan_get_for(actor=request.user, pk=plan_id, request=request)
    plans.plan_file(actor=request.user, plan=p, note=payload.note)
    return _plan_detail(request, plan_id)


@router.get("/batches/{batch_id}", response=InspectionBatchOut, summary="一个抽查批次")
def batch_get(request, batch_id: Id):
    return _batch_out(sel.batch_get_for(actor=request.user, pk=batch_id, request=request))
