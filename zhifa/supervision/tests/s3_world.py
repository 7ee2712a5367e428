"""Builders for the tests of M04 M05 M06 M07 M10 M11 M19 M20 M21 M24 (helper S3).

The models read what the services leave behind — cases, stage changes, documents, renditions, recordings and
their deadlines, reviews, publications — so a planted defect is those rows written directly at the moment the test
needs (`time_machine`), the way data that slipped past the services' gates (a push from an older system, a record
from before a rule) looks. What the services refuse is proved by the owning apps' own tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import time_machine

from zhifa.cases import events as case_events
from zhifa.cases.models import Case, Document, DocumentNumber, DocumentRendition, Party, StageChange
from zhifa.ledger.models import Blob
from zhifa.ledger.services import record_event
from zhifa.records.models import Device, Recording, UploadDeadline
from zhifa.supervision.registry import Context

TZ = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def context(model, today: dt.date, *, case_ids=None, agency_ids=None, overrides=None, per_agency=None) -> Context:
    """A Context for one model as the engine builds it: its defaults and `enabled`, `overrides` for every agency,
    `per_agency[agency_id]` for one."""
    def params(agency_id):
        return {**model.defaults, "enabled": True, **(overrides or {}), **((per_agency or {}).get(agency_id, {}))}
    return Context(today=today, case_ids=None if case_ids is None else frozenset(case_ids),
                   agency_ids=None if agency_ids is None else frozenset(agency_ids), params=params)


def levels(hits) -> dict:
    """{case id (agency id for agency-scope hits): level}."""
    return {(h.case_id if h.case_id is not None else ("agency", h.agency_id)): h.level for h in hits}


def case(desk, *, opened: dt.date, action_type="penalty", procedure="ordinary", stage="decision", agency=None,
         unit=None, place=None) -> Case:
    with time_machine.travel(at(opened, 9), tick=False):
        return Case.objects.create(agency=agency or desk.agency, handling_unit=unit or desk.unit,
                                   number=f"S3-{next(_serial):06d}", title="某某违法案", action_type=action_type,
                                   procedure=procedure, place=place or desk.place, legal_basis="《某某法》",
                                   stage=stage, opened_by=desk.officer)


def move(desk, case_: Case, from_stage: str, to_stage: str, moment: dt.datetime) -> StageChange:
    with time_machine.travel(moment, tick=False):
        return StageChange.objects.create(case=case_, from_stage=from_stage, to_stage=to_stage, actor=desk.officer)


def decided(desk, case_: Case, moment: dt.datetime) -> StageChange:
    """作出决定 at `moment` (the case row's stage is set by whoever built it)."""
    return move(desk, case_, "decision", "service_enforcement", moment)


def document(desk, case_: Case, form: str, elements: dict, moment: dt.datetime, *, supersedes: Document | None = None
             ) -> Document:
    with time_machine.travel(moment, tick=False):
        entry = case_events.document_recorded(case_, actor=desk.officer, form=form, elements=elements,
                                              supersedes=supersedes.pk if supersedes else None,
                                              correction_reason="更正" if supersedes else "")
        return Document.objects.create(case=case_, form=form, elements=elements, recorded_by=desk.officer, entry=entry,
                                       version=(supersedes.version + 1) if supersedes else 1, supersedes=supersedes,
                                       correction_reason="更正" if supersedes else "")


def on_site(desk, moment: dt.datetime, *, officers=None, minutes: int = 30, **extra) -> dict:
    """The elements of an on-site record that began at `moment` and lasted `minutes`."""
    return {"time": moment.isoformat(), "end_time": (moment + dt.timedelta(minutes=minutes)).isoformat(),
            "place": "甲一县人民路8号", "officers": [p.pk for p in (desk.officers if officers is None else officers)],
            "target": "某某商店", "content": "检查经营场所", "process": "出示证件后进行检查",
            "certificate_shown": True, "rights_told": True} | extra


def party(case_: Case, *, kind="organisation", name="某某商店有限公司", id_number="91350100M000100Y43") -> Party:
    return Party.objects.create(case=case_, kind=kind, name=name, id_number=id_number)


def blob(desk, content_type="video/mp4") -> Blob:
    n = next(_serial)
    entry = record_event("records.recording_uploaded", subject=f"test:blob:{n}", actor=desk.officer, payload={"n": n})
    return Blob.objects.create(sha256=f"{n:064x}", size=1, storage_name=f"test/{n}", content_type=content_type,
                               entry=entry)


def rendition(desk, document_: Document, moment: dt.datetime, *, signer: str = "", kind: str = "pdf"
              ) -> DocumentRendition:
    with time_machine.travel(moment, tick=False):
        entry = case_events.document_issued(document_.case, actor=desk.officer, document=document_.pk,
                                            form=document_.form, version=document_.version, kind=kind,
                                            sha256="0" * 64, signer_sha256=signer)
        return DocumentRendition.objects.create(document=document_, kind=kind, blob=blob(desk, "application/pdf"),
                                                signer_sha256=signer, pages=1, issued_by=desk.officer, entry=entry)


def number(desk, document_: Document, *, agency, text: str, on: dt.date) -> DocumentNumber:
    entry = case_events.document_numbered(document_.case, actor=desk.officer, document=document_.pk,
                                          form=document_.form, number=text, year=on.year, kind="罚决",
                                          serial=next(_serial))
    return DocumentNumber.objects.create(document=document_, agency=agency, year=on.year, kind="罚决",
                                         serial=next(_serial), text=text, issued_on=on, entry=entry)


def device(desk) -> Device:
    return Device.objects.create(agency=desk.agency, kind="body_camera", serial=f"ZFY-{next(_serial)}",
                                 registered_by=desk.head)


def recording(desk, case_: Case, *, started: dt.datetime, minutes: int = 30, uploaded: dt.datetime,
              document_: Document | None = None, officer=None, activity="seize", due: dt.datetime | None = None,
              deadline: bool = True, camera: Device | None = None) -> Recording:
    """A clip of `minutes` from `started`, uploaded at `uploaded`; with its deadline row (`due`) unless `deadline`
    is False."""
    ended = started + dt.timedelta(minutes=minutes)
    with time_machine.travel(uploaded, tick=False):
        entry = record_event("records.recording_uploaded", subject=f"cases.case:{case_.pk}", actor=desk.officer,
                             payload={"n": next(_serial)})
        rec = Recording.objects.create(
            case=case_, document=document_, activity=activity, device=camera or device(desk),
            officer=officer or desk.officers[0], blob=blob(desk), started_at=started, ended_at=ended,
            place="甲一县人民路8号", device_checked=True, opening_statement=True, recorded_by=desk.officer, entry=entry,
            duration_seconds=minutes * 60.0, media_format="mov,mp4,m4a,3gp,3g2,mj2")
    if deadline:
        UploadDeadline.objects.create(recording=rec, due_at=due, late=bool(due and uploaded > due),
                                      rule="IM-M 第二十条（测试）")
    return rec


def entry(desk, kind: str, subject: str = "test:s3"):
    """A log entry for a row the test writes directly (every record carries its own)."""
    return record_event(kind, subject=subject, actor=desk.officer, payload={"n": next(_serial)})


def catalogue(desk, items: list[dict], *, effective_from: dt.date, review_all_ordinary=False):
    """The agency's review catalogue: items as {action_type, matter, criterion, amount?, measure?, level?}."""
    from zhifa.review.models import Catalogue, CatalogueItem

    cat = Catalogue.objects.create(agency=desk.agency, version=Catalogue.objects.filter(agency=desk.agency).count() + 1,
                                   effective_from=effective_from, review_all_ordinary=review_all_ordinary,
                                   filed_with=desk.agency, issued_by=desk.head,
                                   entry=entry(desk, "review.catalogue_issued"))
    for item in items:
        CatalogueItem.objects.create(catalogue=cat, **item)
    return cat


def determination(desk, case_: Case, *, is_major: bool, version: int = 1):
    from zhifa.review.models import Determination

    return Determination.objects.create(case=case_, version=version, is_major=is_major,
                                        recorded_by=desk.officer, entry=entry(desk, "review.determined"))


def review(desk, case_: Case, *, state: str, passed: dt.datetime | None = None, review_unit=None):
    """The case's review in `state`; `passed`: the moment of its step into 审核通过."""
    from zhifa.org.models import UnitKind
    from zhifa.org.tests.factories import UnitFactory
    from zhifa.review.models import Review, Step

    unit = review_unit or desk.agency.units.filter(kind=UnitKind.REVIEW).first() or UnitFactory(
        agency=desk.agency, name="法制审核科", kind=UnitKind.REVIEW)
    rev = Review.objects.create(case=case_, agency=case_.agency, review_unit=unit, state=state, rules={})
    if passed is not None:
        with time_machine.travel(passed, tick=False):
            Step.objects.create(review=rev, round=1, action="opinion", from_state="submitted", to_state="passed",
                                actor=desk.officer, on=passed.date(), entry=entry(desk, "review.opinion_given"))
    return rev


def decision(desk, case_: Case, penalty: str, moment: dt.datetime, *, form="penalty_decision", **extra) -> Document:
    """A draft decision (行政处罚决定书) deciding `penalty`."""
    elements = {"time": moment.isoformat(), "place": "局机关", "officers": [p.pk for p in desk.officers],
                "target": "某某商店", "content": "作出行政处罚决定", "process": "经审批", "facts": "经查，当事人销售过期食品。",
                "legal_basis": "《食品安全法》第一百二十四条", "penalty": penalty,
                "remedies": "如不服本决定，可在六十日内申请行政复议或者在六个月内提起行政诉讼。"} | extra
    if form == "enforcement_decision":
        elements["decision"] = elements.pop("penalty")
    return document(desk, case_, form, elements, moment)


def publication(desk, *, decided_on: dt.date, agency=None, state="collected", trigger="", case_=None):
    """A decision's public item (publicity.Publication) decided on `decided_on`; withdrawn with `trigger`, or
    `state` "exempted" for one withheld from publication."""
    from zhifa.publicity.models import Publication

    agency = agency or desk.agency
    case_ = case_ or case(desk, opened=decided_on - dt.timedelta(days=10), agency=agency,
                          unit=desk.unit if agency == desk.agency else agency.units.first(), stage="service_enforcement")
    return Publication.objects.create(
        kind="decision", agency=agency, jurisdiction_path=agency.jurisdiction.path, case=case_, title="某某行政处罚决定",
        state="withdrawn" if trigger else state, decided_on=decided_on, withdrawal_trigger=trigger,
        withdrawn_at=at(decided_on + dt.timedelta(days=30)) if trigger else None,
        exemption_ground="commercial_secret" if state == "exempted" else "")
