"""The browser tryout of the annual assessment (SUP-02): totals that agree when indicators are exempt and plain words
for an agency with no enforcement records, the 办理记录 in people's names and Chinese labels, grades in Chinese and
times in local time on the trace pages, a case file evaluated twice counted once, deliberate two-step sealing and
cancelling, and one number format."""

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from zhifa.assessment import indicators, selectors, services
from zhifa.assessment.models import AgencyScore
from zhifa.core.names import person_label
from zhifa.evaluation.tests.conftest import ew, machine  # noqa: F401 (fixtures)
from zhifa.org.tests.factories import PersonFactory
from zhifa.supervision.tests import s3_world as b

from .conftest import IN_YEAR, YEAR, opened
from .test_indicators import _publication

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-02")]


def _mixed(world):
    """甲一县: one decision published on time (publicity 15/15; the two counts 20/20; the rest exempt: 35 of 35,
    rescaled to 100). 甲二县: one published late (0/15 + 20 = 20 of 35 → 57.14). 甲市's agency: nothing at all."""
    a = opened(world)
    _publication(world.desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), published=IN_YEAR,
                 agency=world.tree.agency_a1)
    _publication(world.desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9),
                 published=IN_YEAR + dt.timedelta(days=30), agency=world.tree.agency_a2)
    return services.assessment_compute(assessment=a, actor=world.sup)


def _section(page: str, start: str, end: str = "</table>") -> str:
    i = page.index(start)
    return page[i:page.index(end, i)]


# --- tryout 1: totals when indicators are exempt; an agency with no records ---------------------------------------

def test_the_points_shown_the_rescaled_total_and_the_rank_agree(world, client):
    a = _mixed(world)
    rows = {r.agency_id: r for r in selectors.ranking(a)}
    a1, a2 = rows[world.tree.agency_a1.pk], rows[world.tree.agency_a2.pk]
    total = Decimal(str(a.indicators["total"]))
    for row in (a1, a2):  # the points shown per indicator add up to `raw`; raw rescaled is the stored score
        shown = sum((Decimal(str(row.figures[i["code"]]["points"])) for i in a.indicators["indicators"]
                     if not selectors.is_exempt(row.figures[i["code"]], i)), Decimal(0))
        assert row.raw == shown and row.rescaled
        assert (row.raw * total / row.scored_of).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == row.points
        assert AgencyScore.objects.get(step=a.computation, agency_id=row.agency_id).points == row.points
    assert (a1.raw, a1.scored_of, a1.points, a1.rank) == (Decimal("35.00"), Decimal("35"), Decimal("100.00"), 1)
    assert (a2.raw, a2.points, a2.rank) == (Decimal("20.00"), Decimal("57.14"), 2)
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    assert "计分项目得分 / 满分" in page and "35.00 / 35.00" in page and "20.00 / 35.00" in page
    agency = client.get(f"/assessment/{a.pk}/agencies/{a2.agency_id}/").content.decode()
    # Ranked among the agencies taking part: the third has no records and is not ranked (the second tryout: "1 / 5").
    assert "20.00 × 100.00 ÷ 35.00 = 57.14 分" in agency and "名次 2 / 2" in agency
    # How a figure becomes points is on the page (the second tryout: a 47.50 average scoring 0 went unexplained).
    scoring = _section(agency, '<section id="scoring">', "</section>")
    assert "计分办法" in scoring and "按比例计分" in scoring and "行政执法决定按时公示率" in scoring
    assert "计分办法" in page
    assert "不计分（不计入满分）" in agency and "0.00 / 15.00" in agency


def test_an_agency_with_no_records_says_so_and_is_not_ranked(world, client):
    a = _mixed(world)
    city = next(r for r in selectors.ranking(a) if r.agency_id not in (world.tree.agency_a1.pk,
                                                                         world.tree.agency_a2.pk))
    # A qualitative +5 does not lift an agency without records above the ranked ones.
    services.qualitative_score(assessment=a, actor=world.sup, agency=city_agency(world, city.agency_id), points="5",
                               reason="配合执法检查，工作积极。")
    rows = selectors.ranking(a)
    assert [r.rank for r in rows] == [1, 2, None] and rows[-1].agency_id == city.agency_id
    assert rows[-1].no_records and rows[-1].points == Decimal("0.00")
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    last = page[page.index(city.agency):]
    last = last[:last.index("</tr>")]
    assert "无可考核的执法记录" in last and "10.00" not in last and "20.00" not in last
    assert "不参加排名" in page[page.rindex("<tr", 0, page.index(city.agency)):page.index(city.agency)]
    agency = client.get(f"/assessment/{a.pk}/agencies/{city.agency_id}/").content.decode()
    assert "无可考核的执法记录，不计指标得分，不参加排名" in agency and "名次" not in agency
    rows_part = agency[:agency.index('<section id="scoring">')]  # the general 计分办法 below speaks of 得满分
    assert "/ 10.00" not in rows_part and "不计分" in rows_part and "得满分" not in rows_part
    trace = client.get(f"/assessment/{a.pk}/agencies/{city.agency_id}/adverse_outcomes/").content.decode()
    assert "本机关无可考核的执法记录" in trace and "10.00" not in trace
    api = {r["agency_id"]: r for r in client.get(f"/api/assessment/{a.pk}").json()["rows"]}
    assert api[city.agency_id]["rank"] is None and api[city.agency_id]["no_records"] is True
    assert api[world.tree.agency_a2.pk]["scored_points"] == "20.00" and api[world.tree.agency_a2.pk]["scored_of"] == "35.00"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"/assessment/{a.pk}/results.xlsx").content)).active
    lines = list(sheet.iter_rows(min_row=3, values_only=True))
    assert lines[-1][0] == "不参加排名" and lines[-1][-1] == "无可考核的执法记录"
    done = services.assessment_finalise(assessment=a, actor=world.sup, summary="总体良好。")
    ranks = {agency: rank for agency, _total, rank in done.steps.get(action="finalise").data["ranking"]}
    assert ranks[city.agency_id] is None


def city_agency(world, pk):
    from zhifa.org.models import Agency

    return Agency.objects.get(pk=pk)


# --- tryout 6: the 办理记录 ---------------------------------------------------------------------------------------

def test_the_record_of_moves_names_people_and_moves_in_chinese(world, client):
    PersonFactory(name="常志磊", agency=world.bureau_a, user=world.sup)
    a = _mixed(world)
    services.assessment_cancel(assessment=a, actor=world.sup, reason="考核范围有误，重新组织。")
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    log = _section(page, "<h2>办理记录</h2>", "</ol>")
    assert person_label(world.sup) == "常志磊"
    assert "常志磊：组织评议考核" in log and "常志磊：计算考核指标" in log and "常志磊：撤销考核" in log
    assert "考核范围有误" in log
    assert world.sup.get_username() not in log
    assert not re.search(r"\b(create|compute|score|finalise|cancel)\b", log)


# --- tryout 7: grades, local times, a file evaluated twice ---------------------------------------------------------

def test_trace_times_are_local(world):
    desk = world.desk
    pub = _publication(desk, decided=IN_YEAR, due=IN_YEAR + dt.timedelta(days=9), published=IN_YEAR)
    pub.published_at = dt.datetime(YEAR, 6, 2, 0, 20, tzinfo=dt.UTC)  # 08:20 in Beijing
    pub.save(update_fields=["published_at"])
    [row] = selectors.describe("publicity.publication", [pub.pk])
    assert "发布 2026-06-02 08:20" in row["detail"] and "00:20" not in row["detail"]
    case = b.case(desk, opened=IN_YEAR)
    doc = b.document(desk, case, "inspection_record", {}, dt.datetime(YEAR, 6, 1, 23, 30, tzinfo=dt.UTC))
    [row] = selectors.describe("cases.document", [doc.pk])
    assert "2026-06-02 07:30" in row["detail"]  # the next day in local time


def _real_evaluation(monkeypatch):
    from zhifa.evaluation.selectors import agency_results

    monkeypatch.setattr(indicators, "evaluation_results", lambda ids, f, t: agency_results(ids, f, t))


def test_a_file_evaluated_twice_counts_once_with_its_latest_result(ew, monkeypatch):  # noqa: F811 (fixture)
    from django.utils import timezone

    from zhifa.evaluation import services as ev
    from zhifa.evaluation.models import FileResult
    from zhifa.evaluation.tests.conftest import create
    from zhifa.evaluation.tests.test_campaign_workflow import _score_all, closed

    _real_evaluation(monkeypatch)
    first, failing = closed(ew)  # A1: 2 of 3 files, one of them failed
    second = ev.campaign_draw(campaign=create(ew, agencies=[ew.tree.agency_a1], sample_size=3, title="复查"),
                              actor=ew.sup)
    ev.assign(campaign=second, actor=ew.sup)
    _score_all(ew, second)  # every file passes this time
    ev.campaign_close(campaign=second, actor=ew.sup, summary="复查。")
    a1 = ew.tree.agency_a1.pk
    results = list(FileResult.objects.filter(agency_id=a1).select_related("file"))
    assert len(results) == 5 and len({r.file.case_id for r in results}) == 3
    today = timezone.localdate()
    r = indicators.evaluation_mean([a1], indicators.Period(today.replace(month=1, day=1), today))[a1]
    latest = {x.file.case_id: x for x in sorted(results, key=lambda x: x.pk)}
    expected = (sum(x.score for x in latest.values()) / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert sorted(r.hits) == sorted(x.pk for x in latest.values()) and r.denominator == 3
    assert sorted(r.records) == sorted(x.pk for x in results)
    assert Decimal(str(r.value)) == expected
    failed = FileResult.objects.get(file=failing)
    assert failed.pk not in r.hits  # its case was evaluated again: the later result counts
    rows = {x["id"]: x for x in selectors.describe("evaluation.fileresult", r.records)}
    assert "不合格" in rows[failed.pk]["detail"] and "fail" not in rows[failed.pk]["detail"]
    assert first.title in rows[failed.pk]["label"] and "复查" in rows[r.hits[0]]["label"]
    assert any(g in rows[r.hits[0]]["detail"] for g in ("优秀", "合格"))


def test_the_trace_page_marks_the_results_counted_in_the_mean(world, client, monkeypatch):
    from zhifa.evaluation.selectors import AgencyResult

    a1 = world.tree.agency_a1.pk
    monkeypatch.setattr(indicators, "evaluation_results", lambda ids, f, t: {a1: AgencyResult(
        files=2, mean_score=90, excellent=2, passed=0, failed=0, file_ids=(7001, 7002))})
    a = services.assessment_compute(assessment=opened(world), actor=world.sup)
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/agencies/{a1}/evaluation_score/").content.decode()
    assert "90.00 分" in page and "2 份案卷的平均得分" in page and "只计最新一次" in page


# --- tryout 8: sealing and cancelling are deliberate --------------------------------------------------------------

def test_finalising_and_cancelling_take_two_deliberate_steps(world, client):
    a = _mixed(world)
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    for move, summary, button in (("finalise", "确定考核结果并签章", "确定结果并签章"),
                                  ("cancel", "撤销考核", "确认撤销")):
        box = _section(page, f'<details class="confirm-{move}">', "</details>")
        assert f"<summary>{summary}" in box and f"/act/{move}/" in box and f">{button}</button>" in box
        assert "required" in box
        outside = page.replace(box, "")
        assert f"/act/{move}/" not in outside  # no one-click form outside the <details>
    # A post without the text asked for is refused and changes nothing.
    client.post(f"/assessment/{a.pk}/act/finalise/", {"summary": ""})
    a.refresh_from_db()
    assert a.state == "computed"


# --- tryout 10: one number format -----------------------------------------------------------------------------------

def test_scores_and_points_have_two_decimals_on_every_assessment_page(world, client):
    a = _mixed(world)
    services.qualitative_score(assessment=a, actor=world.sup, agency=world.tree.agency_a1, points="3",
                               reason="创新执法方式。")
    client.force_login(world.sup)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    table = _section(page, "<h2>考核结果</h2>")
    cells = re.findall(r"<td>([^<]*)</td>", table)
    numbers = [c for c in cells if re.fullmatch(r"[\d.\s/-]+", c.strip())]
    assert numbers and all(re.fullmatch(r"-?\d+\.\d\d( / \d+\.\d\d)?", c.strip()) or c.strip().isdigit()
                           and int(c) <= 3 for c in numbers)  # ranks are whole numbers; all else 0.00
    assert "<td>3.00</td>" in table and "<td>0.00</td>" in table
    agency = client.get(f"/assessment/{a.pk}/agencies/{world.tree.agency_a1.pk}/").content.decode()
    assert "100.00%" in agency and "评议加减分 3.00" in agency and "15.00 / 15.00" in agency
    trace = client.get(f"/assessment/{a.pk}/agencies/{world.tree.agency_a1.pk}/publicity_on_time/").content.decode()
    assert "100.00%" in trace and "得分 15.00" in trace
    assert selectors.show_value(2.0, "count") == "2 件" and selectors.show_value(84.5, "mean") == "84.50 分"
