"""Anyone replays a draw from its published record alone (INS-03): the record.json of the portal, run through
`python -m zhifa.verify draw` in another process with the deployment's verifier key, gives the same targets and
inspectors; any change to the population, a ratio, the external value, the checkpoint or the result is caught; and
a change to the directory after freezing does not change the draw."""

import json
import subprocess
import sys

import pytest
from django.urls import reverse

from zhifa.inspections import draws
from zhifa.inspections.models import Target, TargetType
from zhifa.inspections.tests.conftest import published_batch
from zhifa.ledger import services
from zhifa.verify.__main__ import main as verify_main

pytestmark = [pytest.mark.django_db, pytest.mark.req("INS-03")]


def key() -> str:
    return services.signer().verifier.encode()


def published_record(client, world, draw) -> dict:
    response = client.get(reverse("portal-inspection-draw-record", args=[world.tree.a1.code, draw.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def replay(tmp_path, record: dict, *extra) -> subprocess.CompletedProcess:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "zhifa.verify", "draw", str(path), *extra], capture_output=True,
                          text=True, timeout=120)


def replay_in_process(tmp_path, record: dict, capsys) -> tuple[int, str]:
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    code = verify_main(["draw", str(path), "--key", key()])
    return code, capsys.readouterr().out


@pytest.fixture
def made(world):
    link_target = next(t for t in world.targets if t.risk_class == "high")
    from zhifa.inspections.tests.test_draws import link

    link(world, world.inspectors[0].person, link_target)
    draw = draws.draw_freeze(batch=published_batch(world, joint=True), actor=world.dz,
                             external_source="中国福利彩票双色球第2026140期开奖号码", external_numbers=7)
    made = draws.draw_make(draw=draw, actor=world.dz, external_value="03 12 18 22 27 31 + 09")
    services.checkpoint_create()  # a checkpoint over the make entry (the clock signs one every minute)
    return made


def test_the_published_record_replays_offline_to_the_same_targets_and_inspectors(client, world, made, tmp_path):
    record = published_record(client, world, made)
    done = replay(tmp_path, record, "--key", key())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: replayed" in done.stdout
    assert "names follow after" in done.stdout  # the batch is still being inspected: tokens only
    assert not any(row.code in json.dumps(record) for row in made.drawn.all())
    for row in made.drawn.all():
        line = next(x for x in done.stdout.splitlines() if row.token[:12] in x)
        for cert in row.assignments.values_list("certificate", flat=True):
            assert cert in line
    assert "elapsed" in done.stdout


def test_the_names_are_published_after_the_inspection_period_and_check_against_their_tokens(client, world, made,
                                                                                          tmp_path):
    import datetime as dt

    import time_machine

    after = dt.datetime.combine(made.batch.ends_on + dt.timedelta(days=1), dt.time(10)).astimezone()
    with time_machine.travel(after, tick=False):
        record = published_record(client, world, made)
    done = replay(tmp_path, record, "--key", key())
    assert done.returncode == 0, done.stdout
    for row in made.drawn.all():
        assert row.code in done.stdout
    record["result"][0]["target"]["salt"] = "0" * 32
    bad = replay(tmp_path, record, "--key", key())
    assert bad.returncode == 1 and "do not hash to the drawn token" in bad.stdout


def test_the_staff_record_names_the_targets_at_once(client, world, made, tmp_path):
    client.force_login(world.dz)
    response = client.get(f"/inspections/draws/{made.pk}/record.json")
    done = replay(tmp_path, json.loads(response.content), "--key", key())
    assert done.returncode == 0, done.stdout
    assert all(row.code in done.stdout for row in made.drawn.all())


def test_without_the_key_the_signature_is_said_not_checked(client, world, made, tmp_path):
    done = replay(tmp_path, published_record(client, world, made))
    assert done.returncode == 3 and "signature was not verified" in done.stdout


def test_a_frozen_record_is_the_announcement(client, world, tmp_path):
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    done = replay(tmp_path, published_record(client, world, draw), "--key", key())
    assert done.returncode == 0, done.stdout
    assert "not made yet" in done.stdout


def _tamper_target(r):
    token, cls = r["population"]["targets"][0].split("\t")
    r["population"]["targets"][0] = f"{token}\t{'high' if cls != 'high' else 'low'}"


def _tamper_inspector(r):
    r["population"]["inspectors"].pop()


def _tamper_recusal(r):
    r["population"]["recusals"] = []


def _tamper_ratio(r):
    r["frozen"]["strata"][0]["ratio"] = "0.5"


def _tamper_external(r):
    r["external"]["value"] = "03 12 18 22 27 31 + 10"


def _tamper_root(r):
    import base64

    root = bytearray(base64.b64decode(r["checkpoint"]["root"]))
    root[0] ^= 1
    r["checkpoint"]["root"] = base64.b64encode(bytes(root)).decode()


def _tamper_spelling(r):
    r["external"]["value"] = "03 12 18 22 27 31 9"  # the same numbers, spelled otherwise: not the canonical value


def _tamper_later_checkpoint(r):
    r["checkpoint"] = dict(r["make_checkpoint"])  # a later signed checkpoint: the log's make entry names another
    r["inclusion"] = None


def _tamper_result(r):
    a, b = r["result"][0]["inspectors"][0], r["result"][1]["inspectors"][0]
    r["result"][0]["inspectors"][0], r["result"][1]["inspectors"][0] = b, a


@pytest.mark.parametrize("tamper, problem", [
    (_tamper_target, "targets: the lines' digest"),
    (_tamper_inspector, "inspectors: the lines' digest"),
    (_tamper_recusal, "recusals: the lines' digest"),
    (_tamper_ratio, "stratum"),
    (_tamper_external, "the seed recomputes"),
    (_tamper_root, "not proven in the checkpoint's tree"),
    (_tamper_result, "the replay gives"),
    (_tamper_spelling, "not written canonically"),
    (_tamper_later_checkpoint, "the make entry says checkpoint_size"),
])
def test_any_change_to_the_record_fails_with_a_clear_problem(client, world, made, tmp_path, capsys, tamper, problem):
    record = published_record(client, world, made)
    tamper(record)
    code, out = replay_in_process(tmp_path, record, capsys)
    assert code == 1
    assert problem in out, out


def test_a_directory_change_after_freezing_does_not_change_the_draw(client, world, tmp_path):
    """The make reads the frozen population, not the directory: a class changed, a target struck off and a new
    target added after freezing change nothing, and the replay from the record agrees."""
    draw = draws.draw_freeze(batch=published_batch(world), actor=world.dz)
    frozen_targets = dict(draw.frozen["targets"])
    high = [t for t in world.targets if t.risk_class == "high"]
    Target.objects.filter(pk=high[0].pk).update(risk_class="low")
    Target.objects.filter(pk=high[1].pk).update(active=False)
    Target.objects.create(agency=world.a1, code="91341101MA00009998", name="新设公司", target_type=TargetType.ENTERPRISE,
                          risk_class="high", place=world.tree.a1)
    draw = draws.draw_make(draw=draw, actor=world.dz)
    drawn = dict(draw.drawn.values_list("code", "risk_class"))
    assert {t.code for t in high} <= set(drawn) and all(drawn[t.code] == "high" for t in high)
    assert "91341101MA00009998" not in drawn
    services.checkpoint_create()
    record = published_record(client, world, draw)
    assert record["frozen"]["targets"] == frozen_targets
    done = replay(tmp_path, record, "--key", key())
    assert done.returncode == 0, done.stdout
