"""Issue 15 §5: the log's own contents.

- An entry's payload is read only where its subject lives (the case's, publication's, device's agency within the
  reader's `ledger.view` scope); out of scope, or about a subject no app gave a scope, is the same 404 as a missing
  entry, and the denial is in the security log. The page and the API answer alike.
- The public (and anyone out of scope) gets the hashes and proofs, never a payload, and the proof verifies against
  the signed checkpoint.
- No payload the services write holds a natural person's ID number, phone, bank account or e-mail in clear.
"""

import json
from types import SimpleNamespace

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import inspection_with_record
from zhifa.core.models import SecurityEvent
from zhifa.core.permissions import Role
from zhifa.ledger import services as ledger
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UnitFactory, UserFactory, grant
from zhifa.verify.__main__ import main as verify_main

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def _seq(entry: Entry) -> int:
    entry.refresh_from_db()
    return entry.seq


@pytest.fixture
def log(tree, users, desk):
    """Entries about objects of 甲一县 (A1), 甲二县 (A2) and 乙一县 (B1), and one about no registered subject."""
    from zhifa.org.models import UnitKind
    from zhifa.publicity import events as pub_events
    from zhifa.publicity.models import Publication
    from zhifa.records import events as rec_events
    from zhifa.records.models import Device

    case_a1, _ = inspection_with_record(desk)
    case_services.party_add(case=case_a1, kind="natural", name="张三", id_number=ID_NUMBER, actor=desk.officer,
                            address="呼和浩特市新城区兴安北路12号", phone=PHONE)
    party_entry = Entry.objects.filter(subject=f"cases.case:{case_a1.pk}", kind="cases.party_added").get()

    officer_b1 = grant(UserFactory(username="off_b1"), Role.OFFICER, agency=tree.agency_b1)
    CertificateFactory(person=PersonFactory(agency=tree.agency_b1, user=officer_b1))  # ORG-03: an officer opens
    case_b1 = case_services.case_open(
        agency=tree.agency_b1, handling_unit=UnitFactory(agency=tree.agency_b1, kind=UnitKind.HANDLING),
        title="检查乙一县某店", action_type="inspection", procedure="ordinary", place=tree.b1,
        legal_basis="《产品质量法》", actor=officer_b1)
    case_b1_entry = Entry.objects.filter(subject=f"cases.case:{case_b1.pk}").order_by("id").first()

    def publication(agency):
        pub = Publication.objects.create(kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path,
                                         title=f"{agency.name}的处罚决定")
        return ledger.record_event(pub_events.ITEM_COLLECTED, subject=pub.subject, actor=users.su, payload={
            "publication": pub.pk, "action": "collect", "note": "当事人李四"})

    device = Device.objects.create(agency=tree.agency_b1, kind="body_camera", serial="B1-001", registered_by=users.su)
    entries = SimpleNamespace(
        case_a1=party_entry, case_b1=case_b1_entry, case=case_a1,
        pub_a1=publication(tree.agency_a1), pub_a2=publication(tree.agency_a2), pub_b1=publication(tree.agency_b1),
        device_b1=ledger.record_event(rec_events.DEVICE_REGISTERED, subject=f"records.device:{device.pk}",
                                      actor=users.su, payload={"agency": tree.agency_b1.pk, "serial": "B1-001"}),
        system=ledger.record_event("ledger.log_audit", subject="ledger.log", payload={"ok": True}),
        unknown=ledger.record_event("ledger.log_audit", subject="nobody.registered:1", payload={"姓名": "王五"}),
    )
    ledger.checkpoint_create()
    head_b1 = grant(UserFactory(username="head_b1"), Role.AGENCY_HEAD, agency=tree.agency_b1)
    return SimpleNamespace(**{k: (_seq(v) if isinstance(v, Entry) else v) for k, v in vars(entries).items()},
                           head_b1=head_b1, officer_b1=officer_b1)


def _api(client, user, seq):
    client.force_login(user)
    return client.get(f"/api/ledger/entries/{seq}")


@pytest.mark.req("REC-15")
@pytest.mark.req("REC-14")
@pytest.mark.django_db
def test_entries_are_read_within_the_readers_scope_and_404_outside(client, users, log):
    missing = 10**6
    cases = [
        # (reader, entry, expected status)
        (users.county_a1_supervisor, log.pub_a1, 200),
        (users.county_a1_supervisor, log.pub_a2, 404),  # another county's publication
        (users.county_a1_supervisor, log.pub_b1, 404),
        (users.county_a1_supervisor, log.case_b1, 404),  # another county's case
        (users.county_a1_supervisor, log.device_b1, 404),
        (users.city_a_supervisor, log.pub_a1, 200),  # the city above both counties
        (users.city_a_supervisor, log.pub_a2, 200),
        (users.city_a_supervisor, log.pub_b1, 404),  # another city
        (users.city_a_supervisor, log.case_b1, 404),
        (users.region_supervisor, log.pub_b1, 200),
        (users.region_supervisor, log.device_b1, 200),
        (users.head_a1, log.case_a1, 200),  # the agency's head handles its cases: no consultation needed
        (users.head_a1, log.pub_a1, 200),
        (users.head_a1, log.pub_b1, 404),
        (log.head_b1, log.case_a1, 404),  # the head of another agency
        (log.head_b1, log.pub_a1, 404),
        (log.head_b1, log.case_b1, 200),
        (log.head_b1, log.device_b1, 200),
        # A subject whose prefix no app registered (and the ledger's own): system-wide readers only.
        (users.region_supervisor, log.unknown, 404),
        (users.region_supervisor, log.system, 404),
        (users.su, log.unknown, 200),
        (users.su, log.system, 200),
        (users.su, log.pub_b1, 200),
    ]
    wrong = []
    for reader, seq, status in cases:
        denials = SecurityEvent.objects.filter(kind="denied", user=reader).count()
        response = _api(client, reader, seq)
        if response.status_code != status:
            wrong.append((reader.username, seq, status, response.status_code))
            continue
        if status == 404:
            # The same answer as an entry that does not exist, and the refusal is in the security log.
            assert response.json() == _api(client, reader, missing).json() | {
                "message": f"日志中没有序号为 {seq} 的条目，或该条目不在您的查看范围内。"}
            assert SecurityEvent.objects.filter(kind="denied", user=reader, permission="ledger.view").count() \
                == denials + 1
            assert "payload" not in response.content.decode()
        else:
            assert response.json()["entry"]["seq"] == seq
    assert wrong == []


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_a_case_entry_is_consulted_like_the_case_and_the_page_agrees(client, users, log):
    """A supervisor in scope reads a case's entry only through a consultation (REC-15); the page and the API give
    the same answers (one selector), and the page shows an out-of-scope entry as a missing one."""
    sup = users.county_a1_supervisor
    assert _api(client, sup, log.case_a1).json()["code"] == "case_consultation_reason_required"
    case_services.consultation_open(case=log.case, actor=sup, reason="年度执法监督检查抽查案卷")
    body = _api(client, sup, log.case_a1).json()
    assert body["entry"]["kind"] == "cases.party_added" and "张三" in body["entry"]["payload"]
    assert "已核验" in client.get(f"/ledger/?seq={log.case_a1}").content.decode()
    # Out of scope on the page: the text of a missing entry, nothing of the payload.
    client.force_login(log.head_b1)
    page = client.get(f"/ledger/?seq={log.case_a1}").content.decode()
    assert f"日志中没有序号为 {log.case_a1} 的条目" in page and "张三" not in page and "已核验" not in page
    # No ledger.view at all (an officer of another agency): refused for every entry alike, so nothing leaks.
    assert _api(client, log.officer_b1, log.case_a1).status_code == _api(client, log.officer_b1, 10**6).status_code
    client.logout()
    assert client.get(f"/api/ledger/entries/{log.case_a1}").status_code == 401
    page = client.get(f"/ledger/?seq={log.case_a1}")
    assert page.status_code == 302 and "/login" in page["Location"]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_public_and_the_out_of_scope_get_the_proof_and_it_verifies(client, users, log, tmp_path):
    note = client.get("/api/ledger/checkpoint").content.decode()
    key = client.get("/api/ledger/verifier-keys").json()[0]
    (tmp_path / "cp.txt").write_text(note)
    for who in (None, log.head_b1, users.county_a1_supervisor):
        client.logout()
        if who is not None:
            client.force_login(who)
        response = client.get(f"/api/ledger/proofs/inclusion?seq={log.case_a1}")
        assert response.status_code == 200
        proof = response.json()
        assert proof.get("entry") is None and "张三" not in response.content.decode()
        (tmp_path / "proof.json").write_text(json.dumps(proof))
        assert verify_main(["inclusion", str(tmp_path / "proof.json"), "--checkpoint", str(tmp_path / "cp.txt"),
                            "--key", key]) == 0
    consistency = client.get(f"/api/ledger/proofs/consistency?first=1&second={log.case_a1 + 1}").json()
    assert set(consistency) == {"first", "second", "first_root", "second_root", "path"}
    assert "张三" not in note and "张三" not in client.get("/ledger/checkpoint.txt").content.decode()


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_findings_are_scoped_like_their_entries(client, users, log):
    ledger._finding("log_mismatch", "条目 3 与其叶哈希不符")
    client.force_login(users.region_supervisor)
    assert client.get("/api/ledger/findings").json()["items"] == []
    assert "条目 3 与其叶哈希不符" not in client.get("/ledger/findings/").content.decode()
    client.force_login(users.su)
    assert [f["detail"] for f in client.get("/api/ledger/findings").json()["items"]] == ["条目 3 与其叶哈希不符"]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_every_subject_the_services_write_has_a_scope_or_is_system_only(users, log):
    """Each prefix used in the log either has a registered scope or is one the ledger keeps for system-wide
    readers: a new prefix fails here until its app registers where its objects live."""
    from zhifa.ledger.selectors import subject_parts

    system_only = {"ledger.log", "ledger.key", "ledger.blob", "ledger.finding", "org.import", "nobody.registered"}
    unscoped = {subject_parts(s)[0] for s in Entry.objects.values_list("subject", flat=True).distinct()
                if subject_parts(s)[2] is None}
    assert unscoped <= system_only


# --- identifiers in payloads -----------------------------------------------------------------------------------

@pytest.mark.req("PUB-05")
@pytest.mark.django_db
def test_no_payload_holds_a_natural_persons_identifier_in_clear(users, desk, log):
    """Exercise the services that take identifiers (parties with ID numbers, phones and addresses; access requests
    with the requester's ID number), then scan every payload in the log with the redaction detector."""
    from zhifa.publicity.redaction import detect
    from zhifa.records import access

    access.access_request_create(case=log.case, requester_kind="party", requester_name="张三", purpose="查阅本人案卷",
                                 actor=users.head_a1, requester_id_number=ID_NUMBER)
    case_services.party_add(case=log.case, kind="natural", name="赵六", id_number="110105198001010032",
                            actor=desk.officer, address="甲一县人民路9号", phone="13800138000")
    found = []
    for entry in Entry.objects.exclude(payload=""):
        text = json.dumps(json.loads(entry.payload), ensure_ascii=False)
        for hit in detect(text, kinds={"id_number", "phone", "bank_account", "email"}):
            found.append((entry.kind, hit.kind, text[hit.start:hit.end]))
    assert found == []
    assert ID_NUMBER not in "".join(Entry.objects.values_list("payload", flat=True))
    assert ledger.identifier_commitment(ID_NUMBER) in "".join(Entry.objects.values_list("payload", flat=True))


@pytest.mark.req("PUB-05")
@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"phone": PHONE}, {"party": {"id_number": ID_NUMBER}},
                                     {"rows": [{"email": "a@b.cn"}]}, {"address": "某路1号"}])
def test_record_event_refuses_identifier_keys(db, payload):
    from zhifa.core.errors import ZhifaError

    with pytest.raises(ZhifaError) as exc:
        ledger.record_event("ledger.log_audit", subject="ledger.log", payload=payload)
    assert exc.value.code == "ledger_identifier_in_payload"
    ledger.record_event("ledger.log_audit", subject="ledger.log", payload={"id_hmac": "x", "phone": ""})
