"""The hostile review of issue 21 (findings 3, 4, 6, 9, 10, 15, 18): each agency's true rank everywhere, one result
published alike on the page, the API, the Excel file and the sealed report, the §74 check resolving the fields a
formula reads, an agency with no records never ahead of agencies with records, decisions not yet due left pending,
the major decisions supervision M05 found counted, and people's words instead of codes (SUP-02)."""

import datetime as dt
import importlib
import io
from decimal import Decimal

import pytest
import time_machine

from zhifa.assessment import indicators, selectors, services
from zhifa.assessment.models import AgencyScore, Figure, Outcome, QualitativeScore
from zhifa.core.errors import ZhifaError
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rule_get
from zhifa.rules.services import rule_version_create, ruleset_read
from zhifa.supervision.models import Alert
from zhifa.supervision.tests import s3_world as b

from .conftest import IN_YEAR, YEAR, computed, opened

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]

KEY = "assessment.indicators"
PERIOD = indicators.Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), today=dt.date(YEAR, 12, 31))


def _ranked(world):
    """甲二县 +5, 甲一县 +2, 甲市 0: ranks 1, 2, 3 (each agency with one decision published on time, so that each has
    records to assess and is ranked)."""
    a = opened(world)
    for agency in a.agencies.all():
        _publication(world.desk, agency, published=IN_YEAR)
    a = services.assessment_compute(assessment=a, actor=world.sup)
    services.qualitative_score(assessment=a, actor=world.sup, agency=world.tree.agency_a2, points="5",
                               reason="创新执法方式，获省级表彰。")
    services.qualitative_score(assessment=a, actor=world.sup, agency=world.tree.agency_a1, points="2",
                               reason="主动公开执法数据。")
    return services.assessment_finalise(assessment=a, actor=world.sup, summary="总体良好。")


# --- finding 3: the true rank ------------------------------------------------------------------------------------

def test_an_agency_sees_its_true_rank_on_its_page_the_api_and_the_bureaus_agency_page(world, client):
    a = _ranked(world)
    a1 = world.tree.agency_a1.pk
    assert [r.rank for r in selectors.ranking(a, only={a1})] == [2]
    client.force_login(world.head)  # 甲一县's head
    assert "名次 2 / 3" in client.get(f"/assessment/{a.pk}/agencies/{a1}/").content.decode()
    rows = {r["agency_id"]: r["rank"] for r in client.get(f"/api/assessment/{a.pk}").json()["rows"]}
    assert rows[a1] == 2
    client.force_login(world.sup)  # the bureau's page of one agency
    assert "名次 2 / 3" in client.get(f"/assessment/{a.pk}/agencies/{a1}/").content.decode()
    city = next(r for r in selectors.ranking(a) if r.agency_id not in (a1, world.tree.agency_a2.pk))
    assert "名次 3 / 3" in client.get(f"/assessment/{a.pk}/agencies/{city.agency_id}/").content.decode()


# --- finding 4: one result, published alike --------------------------------------------------------------------

def test_the_final_ranking_is_the_same_on_the_page_api_excel_and_sealed_report_and_records_stay_own(world, client):
    from openpyxl import load_workbook

    a = _ranked(world)
    a1, a2 = world.tree.agency_a1.pk, world.tree.agency_a2.pk
    sealed = {agency: rank for agency, _total, rank in a.steps.get(action="finalise").data["ranking"]}
    client.force_login(world.head)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    assert "甲一县市场监督管理局" in page and "甲二县市场监督管理局" in page and "向各被考核机关通报" in page
    api = {r["agency_id"]: r["rank"] for r in client.get(f"/api/assessment/{a.pk}").json()["rows"]}
    assert api == sealed and len(api) == 3
    sheet = load_workbook(io.BytesIO(client.get(f"/assessment/{a.pk}/results.xlsx").content)).active
    excel = [(row[0], row[1]) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(rank for rank, _ in excel) == sorted(sealed.values()) and len(excel) == 3
    assert client.get(f"/assessment/{a.pk}/report.pdf").status_code == 200
    # What lies behind another agency's figures stays its own.
    assert client.get(f"/assessment/{a.pk}/agencies/{a2}/").status_code == 404
    assert client.get(f"/assessment/{a.pk}/agencies/{a2}/publicity_on_time/").status_code == 404
    assert client.get(f"/api/assessment/{a.pk}/agencies/{a2}/publicity_on_time").status_code == 404
    assert f'/assessment/{a.pk}/agencies/{a2}/"' not in page and f'/assessment/{a.pk}/agencies/{a1}/"' in page


# --- finding 6: §74 resolves the fields read --------------------------------------------------------------------

def _table_with(formula_name):
    table = ruleset_read("national")["rules"][KEY]["value"]
    table["indicators"][0].update(name="决定分量", formula=formula_name)
    return table


@pytest.mark.parametrize("field", ["discretion.FineAssessment.amount", "review.CatalogueItem.amount",
                                   "review.Determination.fine_amount"])
def test_a_formula_reading_a_penalty_amount_is_refused_whatever_its_name(tree, users, monkeypatch, field):
    """discretion.FineAssessment.amount is the fine a decision imposed (罚款金额（元）); review.CatalogueItem.amount
    an amount on the penalty side (金额（元）, no word of a fine in it): both are refused by resolving the field."""
    sneaky = indicators.Formula("decision_weight", "决定的分量", "mean", "discretion.fineassessment", (field,),
                                lambda ids, period: {})
    monkeypatch.setitem(indicators.REGISTRY, sneaky.name, sneaky)
    before = RuleVersion.objects.filter(key=KEY).count()
    with pytest.raises(ZhifaError) as exc:
        rule_version_create(key=KEY, value=_table_with("decision_weight"), effective_from=dt.date(2026, 1, 1),
                            source="本市考评办法", jurisdiction=tree.city_a, actor=users.su)
    assert exc.value.code == "assessment_indicator_fine_forbidden" and "第七十四条" in exc.value.message
    assert RuleVersion.objects.filter(key=KEY).count() == before


@pytest.mark.parametrize("field", ["discretion.FineAssessment.nothing", "nowhere.Model.field", "not a field"])
def test_an_input_that_resolves_to_no_field_is_refused(tree, users, monkeypatch, field):
    sneaky = indicators.Formula("decision_weight", "决定的分量", "mean", "cases.case", (field,), lambda ids, period: {})
    monkeypatch.setitem(indicators.REGISTRY, sneaky.name, sneaky)
    with pytest.raises(ZhifaError) as exc:
        rule_version_create(key=KEY, value=_table_with("decision_weight"), effective_from=dt.date(2026, 1, 1),
                            source="本市考评办法", jurisdiction=tree.city_a, actor=users.su)
    assert exc.value.code == "assessment_indicator_input_unknown"


def test_every_registered_formula_reads_resolvable_fields_off_the_money():
    for formula in indicators.REGISTRY.values():
        for ref in formula.inputs:
            assert indicators.resolve_input(ref) is not None, ref
            assert indicators.input_forbidden(ref) is None, ref


def test_a_qualitative_reason_tying_the_score_to_fines_is_refused(world):
    a = computed(world)
    with pytest.raises(ZhifaError) as exc:
        services.qualitative_score(assessment=a, actor=world.sup, agency=world.tree.agency_a1, points="10",
                                   reason="罚没收入完成好，加分。")
    assert exc.value.code == "assessment_indicator_fine_forbidden" and "第七十四条" in exc.value.message
    assert not QualitativeScore.objects.exists() and not a.steps.filter(action="score").exists()


# --- finding 9: no records never outranks records ----------------------------------------------------------------

def _publication(desk, agency, *, published):
    from zhifa.publicity.models import Publication

    case = b.case(desk, opened=IN_YEAR, agency=agency)
    return Publication.objects.create(kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path,
                                      case=case, title="某某处罚决定", state="published", decided_on=IN_YEAR,
                                      due_on=IN_YEAR + dt.timedelta(days=9),
                                      published_entry=b.entry(desk, "publicity.published"), published_at=b.at(published))


def test_an_agency_without_records_does_not_outrank_agencies_with_records(world):
    desk = world.desk
    _publication(desk, world.tree.agency_a1, published=IN_YEAR)  # on time
    _publication(desk, world.tree.agency_a1, published=IN_YEAR + dt.timedelta(days=5))  # on time
    _publication(desk, world.tree.agency_a2, published=IN_YEAR)
    _publication(desk, world.tree.agency_a2, published=IN_YEAR + dt.timedelta(days=30))  # late: 50 %
    a = computed(world)
    scores = dict(AgencyScore.objects.filter(step=a.computation).values_list("agency_id", "points"))
    # 甲一县: publicity 15/15 and the two counts 20/20, the other indicators exempt: 35/35 of 100.
    assert scores[world.tree.agency_a1.pk] == Decimal("100.00")
    # 甲二县: publicity 0/15 (50 % is below the 60 % floor), counts 20/20: 20/35 of 100.
    assert scores[world.tree.agency_a2.pk] == Decimal("57.14")
    nothing = [p for agency, p in scores.items() if agency not in (world.tree.agency_a1.pk, world.tree.agency_a2.pk)]
    assert nothing == [Decimal("0.00")]  # no records: no basis, last
    ranks = {r.agency_id: r.rank for r in selectors.ranking(a)}
    assert ranks[world.tree.agency_a1.pk] == 1 and ranks[world.tree.agency_a2.pk] == 2
    f = Figure.objects.get(step=a.computation, agency=world.tree.agency_a1, indicator="av_coverage")
    assert f.value is None and f.points == 0


def test_exempt_scoring_is_rule_data_validated_and_described():
    table = ruleset_read("national")["rules"][KEY]["value"]
    assert {i["code"]: i["if_empty"] for i in table["indicators"]}["review_coverage"] == "exempt"
    assert {i["code"]: i["if_empty"] for i in table["indicators"]}["adverse_outcomes"] == "full"
    text = indicators.rule_text(table)
    assert "不计入满分，按实际考核项目折算" in text and "指标得分为0分" in text
    item = {"weight": 15, "scoring": {"method": "linear", "zero_at": 0.6, "full_at": 1.0}, "if_empty": "exempt"}
    assert indicators.is_exempt(None, item) and not indicators.is_exempt(indicators.Result(value=0.0), item)


def test_a_malformed_if_empty_is_refused(tree, users):
    table = ruleset_read("national")["rules"][KEY]["value"]
    table["indicators"][0]["if_empty"] = "skip"
    with pytest.raises(ZhifaError) as exc:
        rule_version_create(key=KEY, value=table, effective_from=dt.date(2026, 1, 1), source="本市考评办法",
                            jurisdiction=tree.city_a, actor=users.su)
    assert exc.value.code == "rule_invalid" and "exempt" in exc.value.message


def test_a_database_holding_the_old_baseline_gets_the_corrected_one(tree):
    """As migration 0003 runs on a database migrated before: the old national table (every indicator "full") is
    superseded by the shipped one; rule_get then reads the new one."""
    from django.apps import apps

    shipped = ruleset_read("national")["rules"][KEY]["value"]
    current = RuleVersion.objects.get(jurisdiction=None, key=KEY, superseded_by__isnull=True)
    old = dict(shipped, indicators=[dict(i, if_empty="full") for i in shipped["indicators"]])
    stale = RuleVersion.objects.create(jurisdiction=None, key=KEY, value=old, effective_from=current.effective_from,
                                       source=current.source, ruleset="national", supersedes=current)
    assert rule_get(KEY, jurisdiction=tree.a1, as_of=dt.date(YEAR, 12, 31)).value == old
    migration = importlib.import_module("zhifa.assessment.migrations.0003_exempt_baseline")
    migration.supersede(apps, None)
    assert rule_get(KEY, jurisdiction=tree.a1, as_of=dt.date(YEAR, 12, 31)).value == shipped
    assert RuleVersion.objects.get(supersedes=stale).value == shipped
    migration.supersede(apps, None)  # twice: nothing more
    assert RuleVersion.objects.filter(key=KEY, jurisdiction=None).count() == 3


# --- finding 10: not yet due; M05's major decisions --------------------------------------------------------------

def test_a_decision_not_yet_due_is_pending_not_late(world):
    from zhifa.publicity.models import Publication

    desk = world.desk
    decided = dt.date(YEAR, 12, 30)
    case = b.case(desk, opened=decided)
    waiting = Publication.objects.create(kind="decision", agency=desk.agency, jurisdiction_path=desk.agency.jurisdiction.path,
                                         case=case, title="年末处罚决定", state="collected", decided_on=decided,
                                         due_on=dt.date(YEAR + 1, 1, 6))
    on_dec_31 = indicators.Period(PERIOD.date_from, PERIOD.date_to, today=dt.date(YEAR, 12, 31))
    r = indicators.publicity_on_time([desk.agency.pk], on_dec_31)[desk.agency.pk]
    assert r.records == [] and r.pending == [waiting.pk] and r.value is None
    on_jan_10 = indicators.Period(PERIOD.date_from, PERIOD.date_to, today=dt.date(YEAR + 1, 1, 10))
    r = indicators.publicity_on_time([desk.agency.pk], on_jan_10)[desk.agency.pk]
    assert r.records == [waiting.pk] and r.hits == [] and r.pending == [] and r.value == 0


def test_the_pending_decisions_are_shown_in_the_trace(world, client):
    from zhifa.publicity.models import Publication

    desk = world.desk
    today = dt.date(YEAR, 12, 31)
    case = b.case(desk, opened=dt.date(YEAR, 12, 30))
    Publication.objects.create(kind="decision", agency=desk.agency, jurisdiction_path=desk.agency.jurisdiction.path,
                               case=case, title="年末处罚决定", state="collected", decided_on=dt.date(YEAR, 12, 30),
                               due_on=dt.date(YEAR + 1, 1, 6))
    with time_machine.travel(b.at(today), tick=False):
        a = computed(world)
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/agencies/{desk.agency.pk}/publicity_on_time/").content.decode()
    assert "尚未到期" in page and "年末处罚决定" in page and "已采集待提交" in page


def test_a_major_decision_never_determined_counts_through_supervision_m05(world):
    desk = world.desk
    reviewed, late, undetermined = (b.case(desk, opened=IN_YEAR) for _ in range(3))
    with time_machine.travel(b.at(IN_YEAR), tick=False):
        b.determination(desk, reviewed, is_major=True)
        b.determination(desk, late, is_major=True)
    b.review(desk, reviewed, state="passed", passed=b.at(IN_YEAR, 9))
    b.review(desk, late, state="passed", passed=b.at(IN_YEAR + dt.timedelta(days=3), 9))
    moment = b.at(IN_YEAR + dt.timedelta(days=1))
    for case, detail in ((late, "法制审核晚于决定"), (undetermined, "未经法制审核")):
        Alert.objects.create(agency=desk.agency, case=case, model="M05", scope="case", level="alarm", detail=detail,
                             opened_at=moment, level_changed_at=moment, state="open")
    r = indicators.review_coverage([desk.agency.pk], PERIOD)[desk.agency.pk]
    assert sorted(r.records) == sorted([reviewed.pk, late.pk, undetermined.pk])
    assert r.hits == [reviewed.pk] and r.value == pytest.approx(1 / 3)


# --- finding 15: words, not codes ---------------------------------------------------------------------------------

def test_the_records_behind_a_figure_are_described_in_words(world):
    from zhifa.supervision.registry import REGISTRY

    moment = b.at(IN_YEAR)
    alert = Alert.objects.create(agency=world.desk.agency, model="M08", scope="agency", level="warning",
                                 detail="未按期公示", opened_at=moment, level_changed_at=moment, state="open")
    [row] = selectors.describe("supervision.alert", [alert.pk])
    assert REGISTRY["M08"].name in row["label"] and "M08" not in row["label"] and "未关闭" in row["detail"]
    pub = _publication(world.desk, world.desk.agency, published=IN_YEAR)
    from zhifa.publicity.models import Publication
    Publication.objects.filter(pk=pub.pk).update(published_at=None, state="submitted")
    [row] = selectors.describe("publicity.publication", [pub.pk])
    assert "待审核" in row["detail"] and "submitted" not in row["detail"]


# --- finding 18: the outcomes page ------------------------------------------------------------------------------

def test_the_outcomes_page_lists_the_registrations_in_force_and_pages_by_keyset(world, client, monkeypatch):
    from zhifa.assessment import views

    fields = {"agency": world.tree.agency_a1, "kind": "reconsideration", "decided_on": IN_YEAR, "reason": "撤销。"}
    wrong = services.outcome_record(actor=world.sup, result="revoked", reference="甲市复决〔2026〕1号", **fields)
    services.outcome_record(actor=world.sup, result="upheld", reference="甲市复决〔2026〕1号更正", supersedes=wrong,
                            **fields)
    for n in range(3):
        services.outcome_record(actor=world.sup, result="upheld", reference=f"甲市复决〔2026〕{n + 10}号",
                                **(fields | {"decided_on": IN_YEAR - dt.timedelta(days=n + 1)}))
    monkeypatch.setattr(views, "OUTCOMES_PAGE", 2)
    client.force_login(world.sup)
    page = client.get("/assessment/outcomes/").content.decode()
    assert "甲市复决〔2026〕1号更正" in page and "（更正" in page and "甲市复决〔2026〕1号</td>" not in page
    assert "下一页" in page
    seen = []
    url = "/assessment/outcomes/"
    while url:
        page = client.get(url).content.decode()
        seen += [o.reference for o in Outcome.objects.filter(superseded_by__isnull=True) if f">{o.reference}<" in page]
        after = page.split('href="?after=')[1].split('"')[0] if 'href="?after=' in page else ""
        url = f"/assessment/outcomes/?after={after}" if after else ""
    assert sorted(seen) == sorted(Outcome.objects.filter(superseded_by__isnull=True).values_list("reference", flat=True))
    assert len(seen) == 4
