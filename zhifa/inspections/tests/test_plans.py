"""Plans and batches (INS-02): a plan kept by the handling side and filed by a head; a batch added through the plan's
move add_batch, its items from published lists, joint batches only with departments of the same level (国发〔2019〕5号),
two inspectors when alone (行政处罚法 §42)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.errors import PermissionDeniedError, WrongStateError, ZhifaError
from zhifa.inspections import plans
from zhifa.inspections.models import Batch, ListState, PlanState, PlanStep, TargetType
from zhifa.org.models import Level
from zhifa.org.tests.factories import AgencyFactory, jurisdiction

from .conftest import _item_list

pytestmark = pytest.mark.req("INS-02")
YEAR = timezone.localdate().year


def published(world, agency) -> list[int]:
    """The item ids of `agency`'s published list (made once per test)."""
    cache = world.__dict__.setdefault("_lists", {})
    if agency.pk not in cache:
        cache[agency.pk] = [i.pk for i in _item_list(world, agency).items.all()]
    return cache[agency.pk]


def plan_of(world, actor=None):
    return plans.plan_create(actor=actor or world.dz, agency=world.a1, year=YEAR, title="年度双随机抽查计划")


def add(world, plan, actor=None, **kw):
    a1_items = kw.pop("items", None)
    if a1_items is None:
        a1_items = published(world, world.a1)
    args = {"title": "第一批", "item_ids": a1_items, "partner_ids": [], "target_type": TargetType.ENTERPRISE,
            "area": None, "starts_on": dt.date(YEAR, 3, 1), "ends_on": dt.date(YEAR, 3, 31),
            "inspectors_per_agency": 2} | kw
    return plans.batch_add(actor=actor or world.dz, plan=plan, **args)


def test_a_batch_is_added_through_the_move_and_numbered(world):
    plan = plan_of(world)
    batch = add(world, plan)
    assert batch.number == 1 and batch.items.count() == 2
    step = PlanStep.objects.get(plan=plan, action="add_batch")
    assert step.data["batch"] == batch.pk and step.to_state == PlanState.DRAFT
    b2 = add(world, plan, items=[i.pk for i in batch.items.all()], title="第二批", starts_on=dt.date(YEAR, 4, 1),
             ends_on=dt.date(YEAR, 4, 30))
    assert b2.number == 2


def test_file_by_heads_then_batches_may_still_be_added(world):
    plan = plan_of(world)
    with pytest.raises(ZhifaError, match="至少应有一个抽查批次"):
        plans.plan_file(actor=world.head, plan=plan)
    batch = add(world, plan)
    for actor in (world.dz, world.officer, world.env_head):
        with pytest.raises(PermissionDeniedError):
            plans.plan_file(actor=actor, plan=plan)
    plan = plans.plan_file(actor=world.head, plan=plan)
    assert plan.state == PlanState.FILED and plan.filed_at
    with pytest.raises(WrongStateError):
        plans.plan_file(actor=world.head, plan=plan)
    b2 = add(world, plan, items=[i.pk for i in batch.items.all()], starts_on=dt.date(YEAR, 4, 1),
             ends_on=dt.date(YEAR, 4, 30))
    assert PlanStep.objects.filter(plan=plan, action="add_batch", to_state=PlanState.FILED, data__batch=b2.pk).exists()


def test_only_managers_of_the_agency_create_plans_and_batches(world):
    for actor in (world.officer, world.env_head, world.sup):
        with pytest.raises(PermissionDeniedError):
            plan_of(world, actor=actor)
    plan = plan_of(world)
    for actor in (world.officer, world.env_head):
        with pytest.raises(PermissionDeniedError):
            add(world, plan, actor=actor)


def test_items_must_be_published_and_of_the_batch_type(world):
    plan = plan_of(world)
    draft = _item_list(world, world.env, state=ListState.DRAFT)
    with pytest.raises(ZhifaError, match="当前已公示"):
        add(world, plan, items=published(world, world.a1) + [i.pk for i in draft.items.all()],
            partner_ids=[world.env.pk])
    with pytest.raises(ZhifaError, match="与本批次的产品不一致"):
        add(world, plan, target_type=TargetType.PRODUCT)
    with pytest.raises(ZhifaError, match="至少选择一个抽查事项"):
        add(world, plan, items=[])


def test_alone_at_least_two_inspectors_joint_one_each(world):
    plan = plan_of(world)
    with pytest.raises(ZhifaError, match="行政处罚法") as exc:
        add(world, plan, inspectors_per_agency=1)
    assert exc.value.code == "inspection_inspectors_too_few"
    with pytest.raises(ZhifaError, match="1 至 10"):
        add(world, plan, inspectors_per_agency=11)
    a1 = published(world, world.a1)
    env = published(world, world.env)
    batch = add(world, plan, items=a1 + env, partner_ids=[world.env.pk], inspectors_per_agency=1)
    assert list(batch.partners.all()) == [world.env]


def test_partners_are_same_level_departments_each_with_an_item(world):
    plan = plan_of(world)
    a1 = published(world, world.a1)
    with pytest.raises(ZhifaError, match="至少应有一个抽查事项") as exc:
        add(world, plan, items=a1, partner_ids=[world.env.pk])
    assert exc.value.code == "inspection_partner_invalid"
    city = world.tree.agency_city_a
    with pytest.raises(ZhifaError, match="同级"):
        add(world, plan, items=a1, partner_ids=[city.pk])
    bureau = AgencyFactory(name="甲一县司法局", jurisdiction=world.tree.a1, is_justice_bureau=True)
    with pytest.raises(ZhifaError, match="同级"):
        add(world, plan, items=a1, partner_ids=[bureau.pk])
    with pytest.raises(ZhifaError, match="当前已公示"):
        add(world, plan, items=a1 + published(world, world.tree.agency_a2))


def test_area_within_the_agency_and_dates_within_the_year(world):
    plan = plan_of(world)
    with pytest.raises(ZhifaError, match="辖区内"):
        add(world, plan, area=world.tree.a2)
    with pytest.raises(ZhifaError, match="不能晚于"):
        add(world, plan, starts_on=dt.date(YEAR, 5, 1), ends_on=dt.date(YEAR, 4, 1))
    with pytest.raises(ZhifaError, match="计划年度"):
        add(world, plan, ends_on=dt.date(YEAR + 1, 1, 5))
    assert add(world, plan, area=world.tree.a1).area == world.tree.a1
    assert Batch.objects.count() == 1


def test_a_batch_overlapping_a_live_batch_is_refused(world):
    """Two live batches over the same items, type, area and period would be two draws to choose from (review H4)."""
    plan = plan_of(world)
    first = add(world, plan)
    assert first.area is None
    a1 = published(world, world.a1)
    other_plan = plan_of(world)  # another plan of the same agency does not escape the check
    for kw in ({}, {"starts_on": dt.date(YEAR, 3, 31), "ends_on": dt.date(YEAR, 4, 30)}, {"items": a1[:1]},
               {"area": world.tree.a1}):
        with pytest.raises(ZhifaError, match="第 1 批“第一批”") as exc:
            add(world, other_plan, **kw)
        assert exc.value.code == "inspection_batch_invalid" and "重叠" in exc.value.message
    assert Batch.objects.count() == 1
    # Not overlapping: another period, another type, a disjoint area.
    assert add(world, plan, starts_on=dt.date(YEAR, 4, 1), ends_on=dt.date(YEAR, 4, 30)).number == 2
    sub_a, sub_b = (jurisdiction(f"测试乡{n}", Level.COUNTY, world.tree.a1) for n in (1, 2))
    may = {"starts_on": dt.date(YEAR, 5, 1), "ends_on": dt.date(YEAR, 5, 31)}
    add(world, plan, area=sub_a, **may)
    assert add(world, plan, area=sub_b, **may).area == sub_b  # disjoint areas
    for area in (sub_a, None, world.tree.a1):  # the same area, or one containing it
        with pytest.raises(ZhifaError, match="重叠"):
            add(world, plan, area=area, **may)


def test_a_batch_whose_draws_are_all_superseded_does_not_block(world):
    from .conftest import drawn_batch

    draw = drawn_batch(world)
    plan = plan_of(world)
    items = [i.pk for i in draw.batch.items.all()]
    kw = {"items": items, "starts_on": draw.batch.starts_on, "ends_on": dt.date(YEAR, 12, 31)}
    with pytest.raises(ZhifaError, match="重叠"):
        add(world, plan, **kw)
    type(draw).objects.filter(pk=draw.pk).update(state="superseded")
    assert add(world, plan, **kw).number == 1
