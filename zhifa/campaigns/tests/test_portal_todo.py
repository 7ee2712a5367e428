"""The notice (通报) on the portal and to the agencies concerned (issue 20 §5; SUP-05; IM-P 建立通报机制): only
published notices, of the jurisdiction's subtree, everything escaped; each agency inspected has it on its heads'
to-do list until one of them acknowledges it."""

import pytest

from zhifa.campaigns import services, todo
from zhifa.core import todo as core_todo

from .conftest import drawn, published, reported

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-05")]

HOSTILE = '<script>alert("x")</script>'


def test_the_portal_shows_only_published_notices_escaped(world, client):
    shown = published(world, text=f"经检查，{HOSTILE}存在问题。", title=f"公示专项{HOSTILE}")
    hidden = reported(world, title="尚未通报的检查")
    notice = shown.documents.get(kind="notice")
    code = world.tree.city_a.code
    listing = client.get(f"/portal/{code}/notices/")
    body = listing.content.decode()
    assert listing.status_code == 200 and notice.number in body and "尚未通报的检查" not in body
    assert HOSTILE not in body and "&lt;script&gt;" in body
    page = client.get(f"/portal/{code}/notices/{shown.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and HOSTILE not in body and "&lt;script&gt;alert" in body
    assert notice.number in body and "甲一县市场监督管理局" in body and "甲二县市场监督管理局" in body
    assert notice.blob.sha256 in body
    pdf = client.get(f"/portal/{code}/notices/{shown.pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(f"/portal/{code}/notices/{hidden.pk}/").status_code == 404
    assert client.get(f"/portal/{code}/notices/{hidden.pk}.pdf").status_code == 404
    assert client.get(f"/portal/{code}/notices/{hidden.pk}/population.json").status_code == 404  # not yet public
    # The region's portal covers the city's notice; another city's does not.
    assert notice.number in client.get(f"/portal/{world.tree.region.code}/notices/").content.decode()
    assert client.get(f"/portal/{world.tree.city_b.code}/notices/{shown.pk}/").status_code == 404
    assert notice.number not in client.get(f"/portal/{world.tree.city_b.code}/notices/").content.decode()
    # A county's portal shows the city's notice about its agency (the browser tryout looked there); another
    # county's, whose agencies it does not concern, does not.
    assert notice.number in client.get(f"/portal/{world.tree.a1.code}/notices/").content.decode()
    assert client.get(f"/portal/{world.tree.a1.code}/notices/{shown.pk}/").status_code == 200
    assert notice.number not in client.get(f"/portal/{world.tree.b1.code}/notices/").content.decode()


def test_the_notice_is_on_the_agency_heads_todo_until_acknowledged(world, client):
    c = published(world)
    on = c.published_on
    items = todo.todo_items_for(world.head, on=on)
    assert [(i.kind, i.agency) for i in items] == [("campaigns.acknowledge", "甲一县市场监督管理局")]
    assert items[0].url == f"/campaigns/{c.pk}/#notice"
    assert [i.agency for i in todo.todo_items_for(world.head_a2, on=on)] == ["甲二县市场监督管理局"]
    assert todo.todo_items_for(world.head_b1, on=on) == [] and todo.todo_items_for(world.sup, on=on) == []
    assert "campaigns" in {r.name for r in core_todo.providers()}
    client.force_login(world.legal)  # the head in charge of legal work acknowledges on the page
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "代表甲一县市场监督管理局签收通报" in page and "甲二县市场监督管理局：" not in page
    assert client.post(f"/campaigns/{c.pk}/act/acknowledge/", {"agency": world.tree.agency_a2.pk}).status_code == 403
    assert client.post(f"/campaigns/{c.pk}/act/acknowledge/", {"agency": world.tree.agency_b1.pk}).status_code == 404
    assert client.post(f"/campaigns/{c.pk}/act/acknowledge/", {"agency": world.tree.agency_a1.pk}).status_code == 302
    assert todo.todo_items_for(world.head, on=on) == []
    assert len(todo.todo_items_for(world.head_a2, on=on)) == 1
    again = client.post(f"/campaigns/{c.pk}/act/acknowledge/", {"agency": world.tree.agency_a1.pk})
    assert again.status_code == 409 and "已签收本通报" in again.content.decode()
    client.force_login(world.head_a2)
    api = client.post(f"/api/campaigns/{c.pk}/actions/acknowledge", {"agency_id": world.tree.agency_a2.pk},
                      content_type="application/json")
    assert api.status_code == 200
    assert [d["acknowledged_at"] is not None for d in api.json()["deliveries"]] == [True]
    assert todo.todo_items_for(world.head_a2, on=on) == []
    client.force_login(world.sup)
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert page.count(" 签收") >= 2


def test_the_notice_is_numbered_per_bureau_and_year(world):
    first = published(world)
    second = published(world, title="第二次检查")
    year = first.published_on.year
    assert first.documents.get(kind="notice").number == f"甲司专通〔{year}〕1号"
    assert second.documents.get(kind="notice").number == f"甲司专通〔{year}〕2号"
    assert services.report_table(second)[0]["sampled"] == 2


def test_an_inspection_under_way_is_on_the_bureaus_todo_until_reported(world):
    c = drawn(world)
    on = c.created_at.date()
    assert [(i.kind, i.label) for i in todo.todo_items_for(world.sup, on=on)] == [("campaigns.inspect", c.title)]
    assert [i.kind for i in todo.todo_items_for(world.sup_r, on=on)] == ["campaigns.inspect"]  # the region above
    assert todo.todo_items_for(world.sup_a1, on=on) == [] and todo.todo_items_for(world.sup_b, on=on) == []
    assert todo.todo_items_for(world.head, on=on) == []
    services.campaign_cancel(campaign=c, actor=world.sup, reason="机构改革，检查范围调整，另行组织。")
    assert todo.todo_items_for(world.sup, on=on) == []


def test_the_notice_proof_shows_the_population_logged_before_the_draw_and_verifies(world, client):
    """The notice's proof.json: the population's entry, the draw's and the notice's, each with its inclusion proof to
    the latest signed checkpoint; the population's seq is before the draw's (the seed came after it). Before the
    sequencer and the signer reach them it says so instead of failing."""
    import base64

    from zhifa.ledger import merkle
    from zhifa.ledger import services as ledger_services
    from zhifa.ledger.canonical import leaf_input

    shown = published(world)
    url = f"/portal/{world.tree.city_a.code}/notices/{shown.pk}/proof.json"
    assert "proof.json" in client.get(f"/portal/{world.tree.city_a.code}/notices/{shown.pk}/").content.decode()
    ledger_services.checkpoint_create()
    body = client.get(url).json()
    assert [e["role"] for e in body["entries"]] == ["population", "draw", "notice"]
    assert body["population_logged_before_draw"] is True
    for e in body["entries"]:
        h = e["entry"]
        leaf = merkle.leaf_hash(leaf_input(kind=h["kind"], subject=h["subject"], actor=h["actor"], at=h["at"],
                                           payload_sha256=h["payload_sha256"]))
        assert base64.b64encode(leaf).decode() == e["leaf_hash"]
        merkle.verify_inclusion(leaf, e["seq"], e["proof"]["tree_size"],
                                [base64.b64decode(p) for p in e["proof"]["path"]], base64.b64decode(e["proof"]["root"]))
    assert body["checkpoint"].splitlines()[1] == str(body["entries"][0]["proof"]["tree_size"])
    # Not yet public: a campaign only reported has no proof page.
    assert client.get(f"/portal/{world.tree.city_a.code}/notices/{reported(world).pk}/proof.json").status_code == 404
