"""Results on the portal (PUB-13; IM-P; issue 22 §6): a published result appears at once, an unpublished one never;
only structured facts are published (outcome labels, item names, whether a case was opened), never the free texts or
the inspectors' names; the subtree's portals, the agency filter, the feeds."""

import json

import pytest
from django.utils import timezone

from zhifa.inspections import execution
from zhifa.inspections.models import Inspection, Outcome

from .conftest import drawn_batch
from .test_execution import findings, inspection_of, record

SECRET_TEXT = "当事人称账簿在会计师处<script>"
SECRET_RECORD = "检查情况记录：仓库内有未标识产品"


def _published(world, *, joint=False, case=False):
    draw = drawn_batch(world, joint=joint)
    who = world.env_insp if joint else world.insp1
    ins = inspection_of(draw, who)
    rows = findings(ins, **({"1": Outcome.CASE_OPENED} if case else {}))
    for r in rows:
        r["text"] = SECRET_TEXT
    ins = execution.inspection_record(inspection=ins, actor=who, inspected_on=timezone.localdate(), place="甲一县测试路",
                                      record=SECRET_RECORD, findings=rows)
    return draw, execution.inspection_publish(inspection=ins, actor=world.pub)


@pytest.mark.req("PUB-13")
def test_a_published_result_appears_and_an_unpublished_one_does_not(world, client):
    draw, shown = _published(world, case=True)
    hidden = record(Inspection.objects.filter(drawn__draw=draw).exclude(pk=shown.pk).order_by("id")[0], world.dz)
    assert hidden.state == "recorded"
    code = world.tree.a1.code
    listing = client.get(f"/portal/{code}/inspections/results/")
    body = listing.content.decode()
    assert listing.status_code == 200
    assert shown.drawn.target.name in body and shown.drawn.target.code in body
    assert "发现问题已立案查处" in body and "未发现问题" in body and "（已立案）" in body
    assert world.a1.name in body and "第一批企业公示信息抽查" in body
    assert hidden.drawn.target.name not in body
    page = client.get(f"/portal/{code}/inspections/results/{shown.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "企业公示信息情况检查" in text and "已立案" in text
    assert client.get(f"/portal/{code}/inspections/results/{hidden.pk}/").status_code == 404
    for content in (body, text):  # structured facts only
        assert "账簿" not in content and SECRET_RECORD not in content and "检查员" not in content


@pytest.mark.req("PUB-13")
def test_the_subtree_portals_show_it_and_another_region_does_not(world, client):
    _, shown = _published(world)
    name = shown.drawn.target.name
    assert name in client.get(f"/portal/{world.tree.city_a.code}/inspections/results/").content.decode()
    assert name in client.get(f"/portal/{world.tree.region.code}/inspections/results/").content.decode()
    assert name not in client.get(f"/portal/{world.tree.b1.code}/inspections/results/").content.decode()
    assert client.get(f"/portal/{world.tree.b1.code}/inspections/results/{shown.pk}/").status_code == 404


def test_the_agency_filter(world, client):
    _, shown = _published(world)
    code = world.tree.city_a.code
    name = shown.drawn.target.name
    assert name in client.get(f"/portal/{code}/inspections/results/?agency={world.a1.pk}").content.decode()
    assert name not in client.get(
        f"/portal/{code}/inspections/results/?agency={world.tree.agency_a2.pk}").content.decode()
    assert name not in client.get(
        f"/portal/{code}/inspections/results/?agency={world.tree.agency_b1.pk}").content.decode()


@pytest.mark.req("PUB-13")
def test_a_joint_result_names_both_agencies_and_shows_under_the_partner(world, client):
    _, shown = _published(world, joint=True)
    code = world.tree.a1.code
    body = client.get(f"/portal/{code}/inspections/results/?agency={world.env.pk}").content.decode()
    assert shown.drawn.target.name in body and world.env.name in body and world.a1.name in body


@pytest.mark.req("PUB-13")
def test_the_feeds_carry_the_published_results_only(world, client):
    _, shown = _published(world, case=True)
    code = world.tree.a1.code
    feed = client.get(f"/portal/{code}/inspections/results.json")
    assert feed.status_code == 200
    data = json.loads(feed.content)
    assert [i["id"] for i in data["items"]] == [str(shown.pk)]
    facts = data["items"][0]["_inspection"]
    assert facts["code"] == shown.drawn.target.code and facts["agencies"] == [world.a1.name]
    assert {i["outcome"] for i in facts["items"]} == {"case_opened", "no_problem"}
    assert any(i["case_opened"] for i in facts["items"])
    raw = feed.content.decode()
    assert "账簿" not in raw and "检查员" not in raw and "仓库" not in raw
    atom = client.get(f"/portal/{code}/inspections/results.atom")
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")
    xml = atom.content.decode()
    assert shown.drawn.target.name in xml and f"zhifa:inspection-result:{shown.pk}" in xml and "账簿" not in xml
    assert json.loads(client.get(f"/portal/{world.tree.b1.code}/inspections/results.json").content)["items"] == []


def test_the_results_list_reads_in_a_fixed_number_of_queries(world, client):
    """The list's queries do not grow with its rows (STYLE habit 7): one result, then every drawn target's."""
    from zhifa.core.testing import query_count

    draw, _ = _published(world, case=True)
    url = f"/portal/{world.tree.a1.code}/inspections/results/"
    one = query_count(lambda: client.get(url))
    for ins in Inspection.objects.filter(drawn__draw=draw, state="assigned"):
        execution.inspection_publish(inspection=record(ins, world.dz), actor=world.pub)
    assert Inspection.objects.filter(drawn__draw=draw, state="published").count() > 3
    assert query_count(lambda: client.get(url)) == one
    feed = f"/portal/{world.tree.a1.code}/inspections/results.json"
    assert query_count(lambda: client.get(feed)) <= one
