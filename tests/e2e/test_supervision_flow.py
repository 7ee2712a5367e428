"""A supervisor follows an alarm up in a real browser (issue 20, "Done when"; SUP-04, SUP-08): she sees the alarm in
her queue, issues a 监督意见书 with a deadline from it; the agency's head sees it on his to-do list and reports the
correction with an evidence file; the data is corrected and the engine runs again; the supervisor accepts the
report, which closes the instrument; the alarm has left the queue (closed automatically: the data no longer
triggers it), and the alert's history and the log show every step.

The alarm is M01 (行政处罚法 第六十条): an ordinary penalty case filed 100 days ago and still undecided. It is planted
through the cases services as the agency would have made it, with the clock turned back (time_machine); the
correction is the agency recording the head's approval of a 60-day extension (《延长办案期限审批表》), which the
model counts, through the same service the case page uses.
"""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.instruments.models import Instrument
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import services as ledger_services
from zhifa.ledger.models import Entry
from zhifa.ledger.templatetags.ledger_events import event_label
from zhifa.org.models import Field, UnitKind
from zhifa.org.tests.factories import AgencyFactory, CertificateFactory, PersonFactory, UnitFactory, grant
from zhifa.rules.services import ruleset_apply
from zhifa.supervision.models import Alert
from zhifa.supervision.services import run_models

from .test_seizure_walk import PASSWORD, login, relogin

TITLE = "销售过期食品案（监督浏览器测试）"
FILED_DAYS_AGO = 100


@pytest.fixture
def world(transactional_db, tree):
    User = get_user_model()
    today = timezone.localdate()
    agency = tree.agency_a1
    unit = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司",
                  field=Field.JUSTICE)
    supervisor = grant(User.objects.create_user("city_supervisor", password=PASSWORD, first_name="常监督"),
                       Role.SUPERVISOR, jurisdiction=tree.city_a)
    head = grant(User.objects.create_user("agency_head", password=PASSWORD, first_name="周局长"), Role.AGENCY_HEAD,
                 agency=agency)
    PersonFactory(agency=agency, name="周局长", user=head)
    leader = grant(User.objects.create_user("team_leader", password=PASSWORD), Role.HANDLING_HEAD, agency=agency)
    officers = []
    for name in ("李执法", "王执法"):
        person = PersonFactory(agency=agency, unit=unit, name=name)
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=400),
                           valid_to=today + dt.timedelta(days=300))
        officers.append(person)
    root = User.objects.create_superuser("e2e_root", password=PASSWORD)
    # A transactional test's flush also empties the baselines the migrations loaded: put them back.
    ruleset_apply(name="national", actor=root)
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=root)
    desk = SimpleNamespace(officers=officers)
    # Filed 100 days ago and investigated since: an ordinary penalty case with no decision (M01's 90 days passed).
    filed = timezone.now() - dt.timedelta(days=FILED_DAYS_AGO)
    with time_machine.travel(filed - dt.timedelta(hours=2), tick=True):
        case = case_services.case_open(agency=agency, handling_unit=unit, title=TITLE, action_type="penalty",
                                       procedure="ordinary", place=tree.a1, legal_basis="《食品安全法》第一百二十四条",
                                       actor=leader)
        for person in officers:
            case_services.officer_assign(case=case, person=person, actor=leader)
        case_services.document_record(case=case, form="filing_approval", elements=elements(
            desk, case_source="投诉举报", opinion="同意立案", approver="周局长"), actor=leader)
    with time_machine.travel(filed, tick=True):
        case = case_services.case_advance(case=case, actor=head)
    return SimpleNamespace(tree=tree, agency=agency, case=case, head=head, supervisor=supervisor, today=today,
                           filed=filed)


def log_kinds(*subjects) -> list[str]:
    return list(Entry.objects.filter(subject__in=subjects).order_by("id").values_list("kind", flat=True))


@pytest.mark.req("SUP-04")
@pytest.mark.req("SUP-08")
def test_an_alarm_followed_up_with_a_supervision_opinion_to_its_close(page, world, shot, tmp_path):
    case = world.case
    summary = run_models(today=world.today)
    assert summary["M01"]["opened"] == 1, summary["M01"]
    alert = Alert.objects.get(case=case, model="M01", state="open")
    assert alert.level == "alarm"

    # The supervisor sees the alarm in her queue and opens it.
    login(page, "city_supervisor")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="监督预警").click()
    expect(page.get_by_role("heading", name="监督预警")).to_be_visible()
    row = page.locator("tr", has_text=TITLE).filter(has_text="M01")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("报警")
    expect(row).to_contain_text(f"立案已 {FILED_DAYS_AGO} 日，尚未作出行政处罚决定")
    shot("supervision-queue-alarm")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="报警：普通程序处罚案件超期未作出决定")).to_be_visible()
    expect(page.get_by_text("《行政处罚法》第六十条").first).to_be_visible()
    expect(page.locator("tr", has_text="生成预警")).to_have_count(1)
    shot("supervision-alert")

    # From the alert, a 监督意见书 with a deadline from the bureau's rules.
    page.get_by_role("link", name="制发监督文书").click()
    expect(page.get_by_role("heading", name="制发行政执法监督文书")).to_be_visible()
    expect(page.locator("dt", has_text="被监督机关").locator("xpath=following-sibling::dd[1]")).to_have_text(
        world.agency.name)
    expect(page.get_by_text("已按预警预先填写")).to_be_visible()  # the form comes filled in from the alert
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    page.get_by_label("文书种类").select_option(label="行政执法监督意见书")
    page.get_by_label("事由").fill("普通程序行政处罚案件超期未作出决定")
    page.get_by_label("发现的问题").fill(f"{case.number}立案已超过九十日，未作出行政处罚决定，也未见经批准延长办案期限的记录。")
    page.locator("#id_basis").fill("《中华人民共和国行政处罚法》第六十条")
    page.get_by_label("整改要求或决定事项").fill("依法作出处理决定，或者补录经批准的《延长办案期限审批表》，并报告整改情况。")
    shot("supervision-instrument-form")
    # Sealing prints the PDF; the first print in a process loads the fonts (seconds, more under load).
    page.get_by_role("button", name="制发并签章").click(timeout=120000)
    expect(page.get_by_text("已制发 甲司监意〔")).to_be_visible()
    instrument = Instrument.objects.get(agency=world.agency)
    assert instrument.kind == "opinion" and instrument.alert_id == alert.pk and instrument.model_code == "M01"
    assert list(instrument.cases.values_list("pk", flat=True)) == [case.pk]
    assert instrument.due_on > world.today
    expect(page.locator("tr", has_text="整改报告期限")).to_contain_text(instrument.due_on.isoformat())
    expect(page.locator("tr", has_text="状态")).to_contain_text("待整改")
    expect(page.get_by_role("link", name=instrument.number)).to_be_visible()  # the sealed PDF
    shot("supervision-instrument-issued")

    # The agency's head: the instrument and the alarm wait on his to-do list.
    relogin(page, "agency_head")
    todo = page.locator("main")
    expect(todo.get_by_text("报告监督文书整改情况").first).to_be_visible()
    expect(todo.get_by_text(instrument.number).first).to_be_visible()
    expect(todo.get_by_text("处理监督报警：普通程序处罚案件超期未作出决定").first).to_be_visible()
    shot("supervision-agency-todo")
    # The alarm's item leads to the alert: the agency reads it and reaches its case, but neither closes it nor
    # issues instruments (the supervisor's moves).
    todo.get_by_role("link", name="处理监督报警：普通程序处罚案件超期未作出决定").first.click()
    expect(page.get_by_role("heading", name="报警：普通程序处罚案件超期未作出决定")).to_be_visible()
    expect(page.get_by_role("link", name=f"{case.number} {TITLE}")).to_be_visible()
    expect(page.get_by_role("button", name="关闭预警")).to_have_count(0)
    expect(page.get_by_role("link", name="制发监督文书")).to_have_count(0)
    page.goto("/instruments/")
    page.get_by_role("link", name=instrument.number).click()
    expect(page.get_by_role("heading", name="报告整改情况")).to_be_visible()
    page.get_by_label("整改情况").fill("已补录经局长批准的《延长办案期限审批表》（延长六十日），案件将在延长期限内作出决定。")
    evidence = tmp_path / "延长办案期限审批表.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% scanned approval form (test)\n%%EOF\n")
    page.get_by_label("证明材料").set_input_files(str(evidence))
    page.get_by_role("button", name="提交整改报告").click()
    expect(page.get_by_text("已报告整改情况。")).to_be_visible()
    expect(page.locator("tr", has_text="状态")).to_contain_text("已报告整改")
    expect(page.get_by_role("link", name="延长办案期限审批表.pdf")).to_be_visible()
    shot("supervision-correction-reported")
    page.goto("/")
    expect(page.locator("main").get_by_text("报告监督文书整改情况")).to_have_count(0)  # done: off his list

    # The correction in the data, as the agency records it on the case page: the approved extension (60 days,
    # approved on day 80, before the limit ran out). The record's own event re-runs the case's models.
    approved = world.filed + dt.timedelta(days=80)
    case_services.document_record(case=case, form="extension_approval", elements={
        "time": approved.isoformat(), "reason": "案情复杂，需补充检验", "days": 60, "approver": "周局长"}, actor=world.head)
    run_models(today=world.today)
    alert.refresh_from_db()
    assert alert.state == "closed" and alert.closed_by is None, (alert.state, alert.close_reason)

    # The supervisor finds the report waiting on her to-do list, accepts it and the instrument is closed.
    relogin(page, "city_supervisor")
    expect(page.locator("main").get_by_text("验收整改情况").first).to_be_visible()
    page.goto(f"/instruments/{instrument.pk}/")
    expect(page.locator(".timeline")).to_contain_text("延长办案期限审批表.pdf")
    # She checks the case itself before accepting: outside the case, she states why she reads it (REC-15).
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("调阅事由").fill("核查监督意见书整改情况")
    page.get_by_role("button", name="调阅").click()
    expect(page.get_by_text("延长办案期限审批表").first).to_be_visible()
    shot("supervision-case-checked")
    page.goto(f"/instruments/{instrument.pk}/")
    page.locator("form", has=page.get_by_role("button", name="验收整改并办结")).get_by_label("理由").fill(
        "已核查，延长办案期限审批表已补录，预警已自动关闭。")
    page.get_by_role("button", name="验收整改并办结").click()
    expect(page.get_by_text("已验收并办结。")).to_be_visible()
    expect(page.locator("tr", has_text="状态")).to_contain_text("已办结")
    timeline = page.locator(".timeline")
    for step in ("制发", "报告整改情况", "验收"):
        expect(timeline).to_contain_text(step)
    shot("supervision-instrument-closed")
    page.goto("/")
    expect(page.locator("main").get_by_text("验收整改情况")).to_have_count(0)  # done: off her list
    shot("supervision-home-after")

    # The alarm is gone from the queue; its page says why, with every step.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="监督预警").click()
    expect(page.locator("tr", has_text=TITLE)).to_have_count(0)
    shot("supervision-queue-empty")
    page.goto(f"/supervision/alerts/{alert.pk}/")
    expect(page.get_by_text("系统自动关闭：数据不再触发")).to_be_visible()
    history = page.locator("h2:has-text('处理记录') + .table-wrap table")
    # Its instruments are listed under it, each linked (the alert and what was issued for it point at each other).
    expect(page.get_by_role("link", name=instrument.number)).to_be_visible()
    expect(history.locator("tr", has_text="生成预警")).to_have_count(1)
    expect(history.locator("tr", has_text="自动关闭")).to_have_count(1)
    expect(page.get_by_role("link", name="制发监督文书")).to_have_count(0)  # closed: nothing more to issue from it
    shot("supervision-alert-closed")

    # The log holds every step, in order: the alert's about the case, the instrument's about the instrument. The
    # supervisor looks the alert's entries up in the tamper-evident log and sees each verified against a signed
    # checkpoint (she stated why she reads the case above). The instrument's entries are checked here in the log
    # itself: no entry scope is registered for `instruments.instrument` yet, so the page shows them to system-wide
    # readers only (reported to the integrator).
    steps = [e for e in Entry.objects.filter(subject=f"cases.case:{case.pk}", kind__startswith="supervision.")
             .order_by("id") if json.loads(e.payload)["alert"] == alert.pk]
    assert [(e.kind, json.loads(e.payload)["action"], json.loads(e.payload)["to_level"]) for e in steps] == [
        ("supervision.alert_opened", "open", "alarm"), ("supervision.alert_closed_auto", "auto_close", "alarm")]
    assert log_kinds(f"instruments.instrument:{instrument.pk}") == [
        "instruments.document_sealed", "instruments.issued", "instruments.correction_reported",
        "instruments.correction_accepted"]
    assert Instrument.objects.get(pk=instrument.pk).state == "closed"
    ledger_services.checkpoint_create()
    seqs = ledger_selectors.seqs_of([e.pk for e in steps])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="防篡改日志").click()
    for entry in steps:
        page.get_by_label("条目序号").fill(str(seqs[entry.pk]))
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_text("已核验：该条目包含在树大小")).to_be_visible()
        expect(page.locator("dl.fields").last).to_contain_text(event_label(entry.kind))
    shot("supervision-ledger-entry")
