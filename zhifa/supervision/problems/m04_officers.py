"""M04: enforcement by an officer without a certificate in force that day, or by fewer than two certified officers
(《行政处罚法》第四十二条; IM-M §8, §9; ORG-03 持证上岗).

What the data holds: every text record names its officers (the `officers` element, ids of org.Person) and its time
(the `time` element, the day of the work); every AV record names the officer who recorded it and when it began.
The officer had to hold, on that day, a certificate of the agency's field whose area covers the case's place, in
force: in its period, not revoked by then, not suspended that day (org: Certificate.suspension_on,
selectors.certificate_defect). An on-site record (doctypes: `on_site`) needs at least two such officers.
cases.services refuses such records at entry; this model finds what came in another way (a push from an older
system, a record entered before the rule, a certificate suspended retroactively).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import CharField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from zhifa.cases import events as case_events
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Document
from zhifa.org.models import Certificate, Person
from zhifa.org.selectors import certificate_defect
from zhifa.records import events as record_events
from zhifa.records.models import Recording

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Params, case_q, end_of

ON_SITE_FORMS = tuple(code for code, form in FORMS.items() if form.on_site)
# Beyond this many officers the certificates are read whole rather than by a list of ids (a bound list of
# parameters, which SQLite caps).
_ID_LIST_MAX = 500


def _day(value, fallback: dt.datetime) -> dt.date:
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        moment = None
    if moment is None:
        return timezone.localdate(fallback)
    return timezone.localdate(timezone.make_aware(moment) if timezone.is_naive(moment) else moment)


def _ids(value) -> list[int]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    if not isinstance(parsed, list):
        return []
    return sorted({v for v in parsed if isinstance(v, int) and not isinstance(v, bool)})


def in_force(cert: Certificate, day: dt.date) -> bool:
    """The certificate allowed enforcement on `day`: in its period, not revoked by then, not suspended that day.
    A revocation counts from its own day: work done before it was done with a valid certificate."""
    return (cert.valid_from <= day <= cert.valid_to
            and (cert.revoked_at is None or timezone.localdate(cert.revoked_at) > day)
            and cert.suspension_on(day) is None)


def _why(certs: list[Certificate], name: str, field: str, place_path: str, day: dt.date) -> str:
    """The reason in words, naming the certificate that came closest (as org.selectors.officer_eligibility)."""
    fitting = [c for c in certs if c.category == field and place_path.startswith(c.area.path)]
    if not certs:
        return f"{name}未取得行政执法证件"
    if not fitting:
        return f"{name}没有本执法类别、覆盖执法地点的执法证件"
    defect = certificate_defect(fitting[0], day)
    if defect is None or (fitting[0].revoked_at is not None and timezone.localdate(fitting[0].revoked_at) > day):
        return f"{name}的执法证 {fitting[0].number} 当日不在有效状态"
    return f"{name}的{defect[1]}"


@register
class OfficersCertified(ProblemModel):
    code = "M04"
    name = "执法人员无有效执法证件或不足两人"
    basis = "《中华人民共和国行政处罚法》第四十二条；国办发〔2018〕118号；本地区行政执法人员管理规定"
    description = ("文字记录或音像记录所载执法人员在执法当日没有本执法类别、覆盖执法地点且在有效期内、未注销、未暂扣的"
                   "行政执法证件的，或者现场执法记录所载持证执法人员少于规定人数（默认两人）的，报警。"
                   "以更正后的记录为准，记录更正后不再触发即自动关闭。")
    triggers = (case_events.OFFICER_ASSIGNED, case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED,
                record_events.RECORDING_UPLOADED)
    defaults = {"min_officers_on_site": 2}

    def evaluate(self, ctx):
        params = Params(ctx)
        until = end_of(ctx)
        docs = list(Document.objects.filter(case_q(ctx, "case__"), superseded_by__isnull=True,
                                            elements__has_key="officers", recorded_at__lte=until)
                    .annotate(officer_ids=Cast(KT("elements__officers"), CharField()),
                              work_time=Cast(KT("elements__time"), CharField()))
                    .values("id", "case_id", "form", "officer_ids", "work_time", "recorded_at", "case__agency_id",
                            "case__agency__field", "case__place__path"))
        recs = list(Recording.objects.filter(case_q(ctx, "case__"), uploaded_at__lte=until)
                    .values("id", "case_id", "officer_id", "started_at", "case__agency_id", "case__agency__field",
                            "case__place__path"))
        for row in docs:
            row["people"] = _ids(row["officer_ids"])
            row["day"] = _day(row["work_time"], row["recorded_at"])
        people = {p for row in docs for p in row["people"]} | {r["officer_id"] for r in recs}
        if not people:
            return
        certs_q = Certificate.objects.select_related("area").prefetch_related("suspensions")
        if len(people) <= _ID_LIST_MAX:
            certs_q = certs_q.filter(person_id__in=sorted(people))
        certs: dict[int, list[Certificate]] = {}
        for cert in certs_q.order_by("-valid_to", "-id"):
            certs.setdefault(cert.person_id, []).append(cert)
        names = dict(Person.objects.filter(pk__in=sorted(people)).values_list("id", "name")
                     if len(people) <= _ID_LIST_MAX else Person.objects.values_list("id", "name"))

        def certified(person_id: int, field: str, place_path: str, day: dt.date) -> bool:
            return any(c.category == field and place_path.startswith(c.area.path) and in_force(c, day)
                       for c in certs.get(person_id, ()))

        found: dict[int, dict] = {}

        def note(case_id: int, agency_id: int, problem: str, evidence: dict) -> None:
            entry = found.setdefault(case_id, {"agency_id": agency_id, "problems": [], "evidence": []})
            entry["problems"].append(problem)
            entry["evidence"].append(evidence)

        for row in docs:
            field, path, day = row["case__agency__field"], row["case__place__path"], row["day"]
            title = FORMS[row["form"]].title if row["form"] in FORMS else row["form"]
            uncertified = [p for p in row["people"] if not certified(p, field, path, day)]
            for person_id in uncertified:
                note(row["case_id"], row["case__agency_id"],
                     f"《{title}》（{day:%Y-%m-%d}）：{_why(certs.get(person_id, []), names.get(person_id, str(person_id)), field, path, day)}",
                     {"document": row["id"], "form": row["form"], "day": day.isoformat(), "person": person_id,
                      "problem": "uncertified"})
            if row["form"] in ON_SITE_FORMS:
                needed = int(params(row["case__agency_id"])["min_officers_on_site"])
                have = len(row["people"]) - len(uncertified)
                if have < needed:
                    note(row["case_id"], row["case__agency_id"],
                         f"《{title}》（{day:%Y-%m-%d}）现场执法的持证执法人员 {have} 人，少于 {needed} 人",
                         {"document": row["id"], "form": row["form"], "day": day.isoformat(), "certified": have,
                          "needed": needed, "problem": "too_few"})
        for row in recs:
            day = timezone.localdate(row["started_at"])
            person_id = row["officer_id"]
            if not certified(person_id, row["case__agency__field"], row["case__place__path"], day):
                why = _why(certs.get(person_id, []), names.get(person_id, str(person_id)), row["case__agency__field"],
                           row["case__place__path"], day)
                note(row["case_id"], row["case__agency_id"], f"音像记录（{day:%Y-%m-%d}）：{why}",
                     {"recording": row["id"], "day": day.isoformat(), "person": person_id, "problem": "uncertified"})
        for case_id, entry in found.items():
            problems = entry["problems"]
            more = f"等 {len(problems)} 处" if len(problems) > 3 else ""
            yield Hit(agency_id=entry["agency_id"], case_id=case_id, level=Level.ALARM,
                      detail="；".join(problems[:3]) + more + "。", evidence={"problems": entry["evidence"]})
