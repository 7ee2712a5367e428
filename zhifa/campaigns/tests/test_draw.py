"""The draw can be replayed by anyone from the record the campaign page shows (SUP-05; the rule of INS-03): the
population is fixed and its digest logged before the seed exists; the seed then picks per agency the first N cases
by HMAC-SHA256(seed, case id)."""

import hashlib
import hmac
import json

import pytest

from zhifa.campaigns import draw, events, services
from zhifa.campaigns.models import Draw
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry

from .conftest import cases, create, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-05")]


def test_the_draw_replays_from_the_record_shown(world, client):
    """From the API's record alone (population, digest, seed, sample size), the published rule gives the same
    sample: written here from the rule's words, not with the app's draw module. The digest covers each case's
    agency ("case:agency" lines), which decides each agency's sample."""
    cases(world, world.tree.agency_a1, 7)
    cases(world, world.tree.agency_a2, 4)
    c = services.campaign_draw(campaign=create(world, sample_size=3), actor=world.sup)
    client.force_login(world.sup)
    record = client.get(f"/api/campaigns/{c.pk}").json()
    d = record["draw"]
    assert "population" not in d  # not on every detail answer: its own route
    served = client.get(f"/api/campaigns/{c.pk}/population").json()
    population = served["population"]
    assert (served["seed"], served["population_sha256"]) == (d["seed"], d["population_sha256"])
    ids = sorted(pk for pk, _ in population)
    lines = [f"{pk}:{agency}" for pk, agency in sorted(population)]
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == d["population_sha256"]
    assert hashlib.sha256("\n".join(map(str, ids)).encode()).hexdigest() != d["population_sha256"]
    assert d["population_size"] == len(ids) == 11
    seed = bytes.fromhex(d["seed"])
    assert len(seed) == 32
    replay = {}
    for agency in {a for _, a in population}:
        ranked = sorted((hmac.new(seed, str(pk).encode(), hashlib.sha256).hexdigest(), pk)
                        for pk, a in population if a == agency)
        replay[agency] = [pk for _, pk in ranked[:record["sample_size"]]]
    shown = {}
    for s in sorted(record["sampled"], key=lambda s: (s["agency_id"], s["order"])):
        shown.setdefault(s["agency_id"], []).append(s["case_id"])
    assert shown == replay
    # The page shows the same record.
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert d["seed"] in page and d["population_sha256"] in page and "HMAC-SHA256" in page
    # The page links the population rather than printing one row per case of the scope; the download is the API's.
    assert f"/campaigns/{c.pk}/population.json" in page and f"{population[0][0]},{population[0][1]}；" not in page
    download = client.get(f"/campaigns/{c.pk}/population.json")
    assert download.status_code == 200 and download["Content-Type"] == "application/json"
    assert download.json()["population"] == population
    assert download.json()["population_sha256"] == d["population_sha256"]


def test_the_population_is_logged_before_the_seed_exists(world):
    """Event order: the population's digest is in the log before the draw's entry, which first carries the seed."""
    cases(world, world.tree.agency_a1, 3)
    c = services.campaign_draw(campaign=create(world), actor=world.sup)
    record = Draw.objects.get(campaign=c)
    fixed = Entry.objects.get(kind=events.POPULATION_FIXED, subject=f"campaigns.campaign:{c.pk}")
    drew = Entry.objects.get(kind=events.DRAWN, subject=f"campaigns.campaign:{c.pk}")
    assert fixed.pk == record.population_entry_id < drew.pk == record.step.entry_id
    fixed_payload, drew_payload = json.loads(fixed.payload), json.loads(drew.payload)
    assert fixed_payload == {"campaign": c.pk, "size": 3, "sha256": record.population_digest}
    assert drew_payload["data"]["population_log_entry"] == fixed.pk and drew_payload["data"]["earlier_draws"] == []
    assert record.seed not in fixed.payload
    assert drew_payload["data"]["seed"] == record.seed
    assert drew_payload["data"]["population_sha256"] == record.population_digest


def test_the_population_is_the_scope_only(world):
    """Only the scoped agencies' cases of the scoped action types filed in the period (both days included)."""
    inside = cases(world, world.tree.agency_a1, 2)
    edge = make_case(world, world.tree.agency_a1, days_ago=60)
    make_case(world, world.tree.agency_a1, days_ago=61)  # before the period
    make_case(world, world.tree.agency_a1, action_type="licence")  # another action type
    make_case(world, world.tree.agency_b1)  # another city's agency
    make_case(world, world.tree.agency_city_a)  # an agency of the subtree not chosen
    c = create(world, agencies=[world.tree.agency_a1], sample_size=200)
    assert sorted(pk for pk, _ in services.population_of(c)) == sorted([*(x.pk for x in inside), edge.pk])
    c = services.campaign_draw(campaign=c, actor=world.sup)
    assert c.sampled.count() == 3  # fewer cases than the sample size: all of them


def test_an_empty_population_is_refused(world):
    make_case(world, world.tree.agency_a1, action_type="licence")
    with pytest.raises(ZhifaError) as exc:
        services.campaign_draw(campaign=create(world), actor=world.sup)
    assert exc.value.code == "campaign_population_empty"


def test_each_seed_draws_independently_and_the_rule_is_deterministic():
    population = [(pk, 1 if pk % 2 else 2) for pk in range(1, 41)]
    seed = bytes(range(32))
    first = draw.pick(seed, population, 5)
    assert first == draw.pick(seed, population, 5)
    assert {a: len(rows) for a, rows in first.items()} == {1: 5, 2: 5}
    assert draw.pick(bytes(32), population, 5) != first
    assert draw.population_digest([(3, 9), (1, 7), (2, 7)]) == hashlib.sha256(b"1:7\n2:7\n3:9").hexdigest()
    # The same cases under another agency are another population.
    assert draw.population_digest([(3, 7), (1, 7), (2, 7)]) != draw.population_digest([(3, 9), (1, 7), (2, 7)])


def test_the_population_is_committed_before_the_seed_and_reused_after_a_failed_draw(world, monkeypatch):
    """The population and its log entry are fixed in their own transaction: when the seed's transaction fails, they
    stay, and the next draw reuses them (one population_fixed entry), never fixing a new one."""
    from zhifa.campaigns.models import Population

    cases(world, world.tree.agency_a1, 3)
    c = create(world)

    def boom(*args, **kw):
        raise RuntimeError("seed transaction failed")

    monkeypatch.setattr(draw, "pick", boom)
    with pytest.raises(RuntimeError):
        services.campaign_draw(campaign=c, actor=world.sup)
    fixed = Population.objects.get(campaign=c)
    assert not Draw.objects.filter(campaign=c).exists()
    c.refresh_from_db()
    assert c.state == "draft"
    make_case(world, world.tree.agency_a1)  # filed after the population was fixed: not in it
    monkeypatch.undo()
    c = services.campaign_draw(campaign=c, actor=world.sup)
    record = Draw.objects.get(campaign=c)
    assert record.population_id == fixed.pk and record.population_size == 3
    assert Entry.objects.filter(kind=events.POPULATION_FIXED, subject=f"campaigns.campaign:{c.pk}").count() == 1


def test_a_too_large_population_is_refused_with_its_code(world, monkeypatch):
    from zhifa.campaigns import services as svc

    cases(world, world.tree.agency_a1, 3)
    monkeypatch.setattr(svc, "MAX_POPULATION", 2)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_draw(campaign=create(world), actor=world.sup)
    assert exc.value.code == "campaign_population_too_large" and "缩小检查范围" in exc.value.message
    assert exc.value.details == {"size": 3, "limit": 2}


def test_a_redraw_after_cancelling_names_the_earlier_draw(world, client):
    """M1: cancelling after the draw needs a reason of some length; a new campaign of the same bureau drawn over the
    same population names the cancelled one and its seed, in the log, on the page and on the portal."""
    from zhifa.campaigns.models import State

    cases(world, world.tree.agency_a1, 3)
    first = services.campaign_draw(campaign=create(world), actor=world.sup)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_cancel(campaign=first, actor=world.sup, reason="重抽")
    assert exc.value.code == "campaign_cancel_reason_too_short"
    services.campaign_cancel(campaign=first, actor=world.sup, reason="检查范围有误，需重新确定检查机关。")
    first_seed = Draw.objects.get(campaign=first).seed
    other = services.campaign_draw(campaign=create(world, agencies=[world.tree.agency_a2, world.tree.agency_a1]),
                                   actor=world.sup)
    record = Draw.objects.get(campaign=other)
    assert record.population_digest == Draw.objects.get(campaign=first).population_digest
    assert record.earlier == [{"campaign": first.pk, "title": first.title, "seed": first_seed}]
    drew = Entry.objects.get(kind=events.DRAWN, subject=f"campaigns.campaign:{other.pk}")
    assert json.loads(drew.payload)["data"]["earlier_draws"] == record.earlier
    client.force_login(world.sup)
    page = client.get(f"/campaigns/{other.pk}/").content.decode()
    assert "此前对相同总体的抽取（已撤销）" in page and first_seed in page
    assert client.get(f"/api/campaigns/{other.pk}").json()["draw"]["earlier_draws"][0]["seed"] == first_seed
    assert State(other.state) == State.INSPECTING


def test_the_portal_publishes_the_draw_record_and_its_population(world, client):
    """M2: anyone can replay a published campaign's draw from the portal: size, digest, seed, rule on the notice
    page and the population (case and agency ids only) as JSON."""
    from .conftest import published

    c = published(world)
    record = Draw.objects.get(campaign=c)
    code = world.tree.city_a.code
    page = client.get(f"/portal/{code}/notices/{c.pk}/").content.decode()
    assert record.seed in page and record.population_digest in page and "HMAC-SHA256" in page
    assert f"/portal/{code}/notices/{c.pk}/population.json" in page
    body = client.get(f"/portal/{code}/notices/{c.pk}/population.json").json()
    assert body["seed"] == record.seed and body["population_size"] == record.population_size
    assert all(len(row) == 2 and all(isinstance(x, int) for x in row) for row in body["population"])
    assert draw.population_digest(body["population"]) == body["population_sha256"]
    sampled = {(s.agency_id, s.case_id) for s in c.sampled.all()}
    replay = {(a, pk) for a, rows in draw.pick(bytes.fromhex(body["seed"]), body["population"],
                                               body["sample_size"]).items() for pk, _ in rows}
    assert replay == sampled
    # ... and the JSON itself says what was drawn, so a visitor has something to compare the replay with.
    assert {(d["agency"], pk) for d in body["drawn"] for pk in d["cases"]} == replay
    assert all(d["agency_name"] for d in body["drawn"])


def test_the_documents_name_the_campaign_once():
    """“…专项监督检查”专项监督检查 in the sealed report (the browser tryout): the word is added only when the title lacks it."""
    from zhifa.campaigns.rendering import _subject

    assert _subject("2026年第四季度行政处罚公示专项监督检查") == "“2026年第四季度行政处罚公示专项监督检查”"
    assert _subject("行政处罚公示") == "“行政处罚公示”专项监督检查"
