"""The demo's random inspections (issue 22): 东岭县市场监督管理局's item list (reviewed by itself: it is the county's
market-regulation department), a directory of 300 fictional enterprises imported from a workbook, a recusal link, the
year's plan with one batch filed, a draw frozen and made on the ledger's next checkpoint, and three inspections
recorded — one clean and published, one whose violation opened a case and is published, one recorded and waiting for
publication — by the demo officer where the draw sent them, else by the head with the reason. The other drawn targets
wait for their inspectors (the demo officer among them, most likely). Every row is written by its service."""

import datetime as dt
import io
import random

from django.utils import timezone

from zhifa.demo.generator import credit_code

SHOPS = ["商贸", "食品", "餐饮管理", "超市", "农资", "建材", "五金", "电器", "粮油", "日用品", "药房", "汽车维修"]
WORDS = ["东岭", "岭南", "青石", "白杨", "金穗", "兴旺", "和顺", "丰源", "鑫达", "瑞丰", "宏远", "聚福", "安康", "惠民"]
ITEMS = [
    {"number": "1", "name": "企业公示信息情况检查", "sub_item": "年度报告公示信息检查",
     "basis": "《企业信息公示暂行条例》第十四条", "body": "{agency}", "target_type": "企业",
     "content": "企业年度报告公示信息的真实性、及时性", "method": "书面检查、实地核查", "kind": "一般检查事项",
     "ratio": "3%", "frequency": "每年一次", "inspector_requirements": "持有效行政执法证件的执法人员两名以上"},
    {"number": "2", "name": "食品经营者检查", "sub_item": "食品经营许可和从业人员健康管理",
     "basis": "《中华人民共和国食品安全法》第一百一十条", "body": "{agency}", "target_type": "企业",
     "content": "食品经营许可、从业人员健康证明、进货查验记录", "method": "现场检查", "kind": "一般检查事项",
     "ratio": "5%", "frequency": "每年一次", "inspector_requirements": "持有效行政执法证件的执法人员两名以上"},
    {"number": "3", "name": "特种设备安全监督检查", "sub_item": "",
     "basis": "《中华人民共和国特种设备安全法》第五十七条", "body": "{agency}", "target_type": "企业",
     "content": "特种设备使用登记、定期检验和安全管理人员", "method": "现场检查", "kind": "重点检查事项",
     "ratio": "100%", "frequency": "每年两次", "inspector_requirements": "持有效行政执法证件的执法人员两名以上"},
]


def _directory_workbook(agency, place) -> io.BytesIO:
    from zhifa.core import spreadsheet
    from zhifa.inspections.directory import COLUMNS

    rng = random.Random(22)
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.append([header for _key, header in COLUMNS])
    classes = ["低风险"] * 240 + ["一般风险"] * 50 + ["高风险"] * 10
    rng.shuffle(classes)
    for n, cls in enumerate(classes, start=1):
        name = f"{place.name}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SHOPS)}有限公司"
        ws.append([credit_code(place.code[:6].ljust(6, "0"), 22_000 + n), f"{name}（{n}）", "企业", cls, place.code,
                   f"{place.name}城关镇{rng.choice(WORDS)}路{rng.randint(1, 300)}号", "是"])
    out = io.BytesIO(spreadsheet.workbook_bytes(wb))
    out.name = "检查对象名录.xlsx"
    return out


def load(*, agency, head, approver, place) -> None:
    from zhifa.demo.media import clip_format, demo_clip
    from zhifa.inspections import directory, draws, execution, items, plans
    from zhifa.inspections.models import Outcome, Target

    today = timezone.localdate()
    rows = [{k: (v.format(agency=agency.name) if isinstance(v, str) else v) for k, v in row.items()} for row in ITEMS]
    item_list = items.item_list_create(actor=head, agency=agency, title=f"{agency.name}随机抽查事项清单", rows=rows)
    items.item_list_submit(item_list=item_list, actor=head)
    items.item_list_approve(item_list=item_list, actor=approver, note="经审核，事项清单符合要求，予以公示。")

    directory.targets_import(actor=head, agency=agency, file=_directory_workbook(agency, place))
    # An inspector's spouse keeps the books of a high-risk enterprise: the draw passes them over for it (INS-03).
    target = Target.objects.filter(agency=agency, risk_class="high").order_by("code").first()
    person = (agency.people.filter(active=True, user__isnull=True, certificates__revoked_at__isnull=True,
                                   certificates__valid_to__gte=today).order_by("pk").first())
    if target is not None and person is not None:
        directory.recusal_declare(actor=head, target=target, person=person, reason="其配偶在该企业担任财务负责人（演示）")

    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    plan = plans.plan_create(actor=head, agency=agency, year=today.year, title=f"{today.year}年度双随机抽查工作计划")
    listed = list(item_list.items.order_by("id"))
    batch = plans.batch_add(actor=head, plan=plan, title="第一批：企业公示信息和食品经营者抽查",
                            item_ids=[listed[0].pk, listed[1].pk], target_type="enterprise",
                            starts_on=max(year_start, today - dt.timedelta(days=10)),
                            ends_on=min(year_end, today + dt.timedelta(days=20)), inspectors_per_agency=2)
    plans.plan_file(actor=head, plan=plan, note="报县人民政府和上级市场监管部门备案。")

    draw = draws.draw_freeze(batch=batch, actor=head, beacon_after=timezone.now())
    draw = draws.draw_make(draw=draw, actor=head)

    def clip(statement):
        f = io.BytesIO(demo_clip(statement, seconds=4, fmt=clip_format()))
        f.name = f"inspection{clip_format().suffix}"
        return f

    # The demo officer records those the draw sent them to (the first three by rank); any other is recorded by the head
    # in the drawn inspectors' place, which needs a reason (review M8).
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="officer")
    drawn = list(draw.drawn.select_related("inspection", "target").order_by("rank"))
    mine = [d for d in drawn if d.assignments.filter(person__user=officer).exists()][:3]
    inspections = [d.inspection for d in mine + [d for d in drawn if d not in mine][:3 - len(mine)]]
    on = max(batch.starts_on, today - dt.timedelta(days=3))
    outcomes = [{"1": Outcome.NO_PROBLEM, "2": Outcome.NO_PROBLEM},
                {"1": Outcome.NO_PROBLEM, "2": Outcome.CASE_OPENED},
                {"1": Outcome.CORRECTED, "2": Outcome.NO_PROBLEM}]
    texts = {Outcome.CASE_OPENED: "从业人员 2 人未取得健康证明，进货查验记录缺失，已立案调查。",
             Outcome.CORRECTED: "年度报告中从业人数填报有误，已责令改正。"}
    for ins, chosen in zip(inspections, outcomes, strict=False):
        findings = [{"item_id": it.pk, "outcome": chosen[it.number], "text": texts.get(chosen[it.number], "")}
                    for it in execution.batch_items(ins)]
        by_officer = ins.drawn.assignments.filter(person__user=officer).exists()
        execution.inspection_record(
            inspection=ins, actor=officer if by_officer else head, inspected_on=on,
            place=ins.drawn.target.address or place.name,
            record="执法人员两名出示执法证件，说明检查依据和事项，对照抽查事项逐项检查，当事人在场并签字确认。",
            findings=findings, av=clip(f"现在是{on:%Y年%m月%d日}，依法进行双随机抽查现场检查。"),
            substitution_reason="" if by_officer else "抽中的检查人员外出培训，由负责人带队代为检查（演示）")
    for ins in inspections[:2]:
        execution.inspection_publish(inspection=ins, actor=head)
