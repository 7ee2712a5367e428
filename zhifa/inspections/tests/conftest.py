"""A random-inspection world on the shared tree (conftest.tree, users).

甲一县市场监督管理局 (tree.agency_a1, field market: it also reviews the county's item lists, the rule
inspections.item_list_reviewer) leads; 甲一县生态环境局 (env) lists its own items and joins batches. People:
users.head_a1 (agency head, a1), `dz` (handling head, a1), `pub` (publicity approver, a1), `env_head` (agency head,
env); inspectors: six certified officers of a1 (the first two with user accounts and the officer role: `insp1`,
`insp2`), three of env (the first with an account: `env_insp`). Directory: 40 enterprises of a1 (20 low, 15 ordinary,
5 high risk). `published_batch(world)` gives a published list of a1, a filed plan and one batch over the
enterprises (rows made directly; the services are tested in their own files); `drawn_batch(world)` adds a draw made
with procedure.run on a fixed seed, with its drawn targets and assignments (rows made directly, for the execution
tests)."""

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.core.permissions import Role
from zhifa.inspections import procedure
from zhifa.inspections.models import (
    Assignment,
    Batch,
    Draw,
    DrawnTarget,
    DrawState,
    Inspection,
    Item,
    ItemKind,
    ItemList,
    ListState,
    Plan,
    PlanState,
    Target,
    TargetType,
)
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import (
    AgencyFactory,
    CertificateFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
    grant,
)


def credit_code(area: str, serial: int, *, kind: str = "91") -> str:
    """A fictional unified social credit code with a valid check character (as the demo's; tests sit below demo)."""
    from stdnum.cn import uscc

    body = f"{kind}{area}MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


CLASSES = ["low"] * 20 + ["ordinary"] * 15 + ["high"] * 5


@pytest.fixture
def world(tree, users):
    a1 = tree.agency_a1
    env = AgencyFactory(name="甲一县生态环境局", jurisdiction=tree.a1, field="environment", abbreviation="甲一环")
    today = timezone.localdate()
    valid = {"valid_from": today - dt.timedelta(days=365), "valid_to": today + dt.timedelta(days=365)}
    unit = UnitFactory(agency=a1, name="执法稽查大队", kind=UnitKind.HANDLING)
    env_unit = UnitFactory(agency=env, name="环境执法大队", kind=UnitKind.HANDLING)
    insp1 = grant(UserFactory(username="insp1"), Role.OFFICER, agency=a1)
    insp2 = grant(UserFactory(username="insp2"), Role.OFFICER, agency=a1)
    env_insp = grant(UserFactory(username="env_insp"), Role.OFFICER, agency=env)
    inspectors = []
    for n in range(6):
        user = (insp1, insp2)[n] if n < 2 else None
        person = PersonFactory(agency=a1, unit=unit, name=f"检查员{n + 1}", user=user)
        inspectors.append(CertificateFactory(person=person, area=tree.a1, number=f"A1-{n + 1:04d}", **valid))
    env_inspectors = []
    for n in range(3):
        person = PersonFactory(agency=env, unit=env_unit, name=f"环境检查员{n + 1}", user=env_insp if n == 0 else None)
        env_inspectors.append(CertificateFactory(person=person, area=tree.a1, number=f"E1-{n + 1:04d}", **valid))
    dz = grant(UserFactory(username="dz_insp"), Role.HANDLING_HEAD, agency=a1)
    pub = grant(UserFactory(username="pub_a1"), Role.PUBLICITY_APPROVER, agency=a1)
    env_head = grant(UserFactory(username="env_head"), Role.AGENCY_HEAD, agency=env)
    # A second head of a1 (in charge of legal work): reviews what the agency head submits (four eyes).
    legal = grant(UserFactory(username="legal_insp"), Role.LEGAL_HEAD, agency=a1)
    targets = [Target.objects.create(agency=a1, code=credit_code("341101", n + 1), name=f"甲一测试商贸有限公司{n + 1}",
                                     target_type=TargetType.ENTERPRISE, risk_class=cls, place=tree.a1,
                                     address=f"甲一县测试路{n + 1}号")
               for n, cls in enumerate(CLASSES)]
    return SimpleNamespace(tree=tree, users=users, a1=a1, env=env, unit=unit, env_unit=env_unit, head=users.head_a1,
                           dz=dz, pub=pub, env_head=env_head, legal=legal, insp1=insp1, insp2=insp2, env_insp=env_insp,
                           inspectors=inspectors, env_inspectors=env_inspectors, targets=targets,
                           sup=users.city_a_supervisor, officer=users.officer_a1, nobody=users.nobody)


def _item_list(world, agency, *, state=ListState.PUBLISHED):
    items = ItemList.objects.create(agency=agency, version=1, title=f"{agency.name}随机抽查事项清单", state=state,
                                    created_by=world.head, published_at=timezone.now())
    Item.objects.create(item_list=items, number="1", name="企业公示信息情况检查", basis="《企业信息公示暂行条例》第十四条",
                        body=agency.name, target_type=TargetType.ENTERPRISE, content="年度报告公示信息真实性",
                        method="书面检查、实地核查", kind=ItemKind.GENERAL, ratio=Decimal("0.05"), frequency="每年一次")
    Item.objects.create(item_list=items, number="2", name="产品质量监督抽查", basis="《产品质量法》第十五条",
                        body=agency.name, target_type=TargetType.ENTERPRISE, content="产品质量",
                        method="抽样检验", kind=ItemKind.KEY, ratio=Decimal("1"), frequency="每年两次")
    return items


def published_batch(world, *, joint=False):
    items = _item_list(world, world.a1)
    plan = Plan.objects.create(agency=world.a1, year=timezone.localdate().year, title="2026年度双随机抽查计划",
                               state=PlanState.FILED, created_by=world.head, filed_at=timezone.now())
    today = timezone.localdate()
    batch = Batch.objects.create(plan=plan, number=1, title="第一批企业公示信息抽查", target_type=TargetType.ENTERPRISE,
                                 starts_on=today, ends_on=today + dt.timedelta(days=30), created_by=world.dz)
    batch.items.set(items.items.all())
    if joint:
        env_items = _item_list(world, world.env)
        batch.items.add(*env_items.items.all())
        batch.partners.add(world.env)
    return batch


def drawn_batch(world, *, joint=False, seed=b"\x01" * 32):
    """A batch with a draw made (rows written directly): counts by the national ratios (low 2 %, ordinary 5 %, high
    100 %: 1 + 1 + 5 targets), two inspectors of a1 (and one of env when joint) per target."""
    from django.core.files.base import ContentFile

    from zhifa.ledger.services import evidence_put, record_event

    batch = published_batch(world, joint=joint)
    targets = [(t.code, t.risk_class) for t in world.targets]
    inspectors = [(world.a1.pk, c.number) for c in world.inspectors]
    if joint:
        inspectors += [(world.env.pk, c.number) for c in world.env_inspectors]
    counts = {"low": 1, "ordinary": 1, "high": 5}
    drawn = procedure.run(seed, targets, counts, inspectors, [], 2)
    blob = evidence_put(ContentFile(b"fixture population"), name="population.txt").blob
    entry = record_event("inspections.draw_frozen", subject=f"inspections.batch-fixture:{batch.pk}", actor=world.dz,
                         payload={"fixture": True})
    draw = Draw.objects.create(batch=batch, number=1, state=DrawState.DRAWN, frozen={"fixture": True},
                               frozen_sha256="0" * 64, population=blob, beacon_after=timezone.now(),
                               freeze_entry=entry, seed=seed.hex(), result_sha256=procedure.result_digest(drawn),
                               created_by=world.dz, drawn_at=timezone.now())
    by_code = {t.code: t for t in world.targets}
    certs = {c.number: c for c in [*world.inspectors, *world.env_inspectors]}
    for d in drawn:
        row = DrawnTarget.objects.create(draw=draw, target=by_code[d.code], code=d.code, risk_class=d.cls, rank=d.rank,
                                         class_rank=d.class_rank, score=d.score)
        for order, (agency_id, cert) in enumerate(d.inspectors, 1):
            Assignment.objects.create(drawn=row, agency_id=agency_id, person=certs[cert].person, certificate=cert,
                                      order=order)
        Inspection.objects.create(drawn=row, agency=world.a1)
    return draw


def xlsx(rows: list[list]) -> bytes:
    """A workbook of `rows` (the first is the header), for the import tests."""
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
