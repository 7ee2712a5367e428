"""M24: a decision made in the name of an internal unit, or not under the agency's own seal (《行政处罚法》第十八条、
第二十条; 第五十九条: the decision bears the seal of the agency that made it; IM-M §9: 依法出具行政执法文书).

What the data holds:
  - the seal: every issued decision has a PDF signed with its agency's PAdES key (cases.DocumentRendition,
    `signer_sha256` = the signing certificate's SHA-256; cases.signing). The agency's seal is the certificate
    registered for it in the deployment's seal registry (ZHIFA_SIGNING_DIR/agency-<id>/cert.pem, as
    cases.signing.agency_paths lays it out; read, never created, here). A decision rendered without a signature, or
    signed with another certificate, is an alarm; a decided case whose decision was never issued under the seal
    through the system is a warning (it may have gone out on paper; `require_issued`).
  - the name: the system prints the case's agency on every decision, so a decision "in the name of an internal unit"
    shows in what the decision itself says — the handling unit, or another unit of the agency, or a squad (本大队、
    本中队 …), named as the body that decides — and in a 文号 given under another agency. An entrusted organisation
    (受委托组织) that decides a penalty in its own name, not the entrusting agency's (第二十条), is the same defect.
"""

from __future__ import annotations

import re
import unicodedata

from zhifa.cases import events as case_events
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Document, DocumentNumber, DocumentRendition, Rendition
from zhifa.cases.signing import registered_fingerprint
from zhifa.org.models import AgencyKind, Unit
from zhifa.review.workflow import DECISION_FORMS

from ..registry import LEVEL_RANK, Hit, Level, ProblemModel, register
from ._shared import Params, case_rows, decided_at, decided_cases, end_of, local

_DECIDING = r"(?:经?(?:集体)?(?:研究|讨论)?(?:决定|作出(?:如下)?(?:行政)?(?:处罚)?决定))"
_SQUADS = r"本(?:大队|中队|支队|分队|队|科室|科|股)"


def agency_seal(agency_id: int) -> str | None:
    """The SHA-256 of the seal certificate registered for the agency, or None when none is registered."""
    return registered_fingerprint(agency_id)


def unit_as_decider(text: str, unit_names: list[str]) -> str | None:
    """The words naming an internal unit as the body that decides, or None."""
    names = "|".join(re.escape(n) for n in sorted(unit_names, key=len, reverse=True) if n)
    who = f"(?:{names}|{_SQUADS})" if names else _SQUADS
    match = re.search(who + _DECIDING, text)
    return match.group(0) if match else None


@register
class DecisionNotInAgencyName(ProblemModel):
    code = "M24"
    name = "以内设机构名义作出决定或未加盖本机关印章"
    basis = "《中华人民共和国行政处罚法》第十八条、第二十条、第五十九条"
    description = ("已作出的执法决定书未加盖电子签章，或者签章证书不是本机关登记的电子签章，或者文号不属于本机关，或者决定书写明"
                   "由内设机构（执法大队、科室等）决定，或者受委托组织以自己名义作出行政处罚决定的，报警；决定已作出但未通过"
                   "系统签发加盖本机关电子签章的决定书的，预警。更正并重新签发后自动关闭。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_ISSUED, case_events.DOCUMENT_NUMBERED,
                case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED)
    defaults = {"require_issued": True}

    def evaluate(self, ctx):
        params = Params(ctx)
        decided = decided_at(ctx)
        if not decided:
            return
        scope = decided_cases(ctx)
        in_scope = scope.values("pk")
        rows = case_rows(scope, decided)
        ids = sorted(rows)
        documents = list(Document.objects.filter(case__in=in_scope, form__in=DECISION_FORMS)
                         .only("id", "case_id", "form", "elements", "supersedes_id").order_by("recorded_at", "id"))
        superseded = {d.supersedes_id for d in documents if d.supersedes_id}
        by_case: dict[int, list[Document]] = {}
        for d in documents:
            if d.pk not in superseded:
                by_case.setdefault(d.case_id, []).append(d)
        renditions: dict[int, list] = {}
        current_ids = {d.pk for docs in by_case.values() for d in docs}
        # The decisions in force: a version corrected and issued again under the seal replaces an unsealed one.
        for r in DocumentRendition.objects.filter(document__case__in=in_scope, document__form__in=DECISION_FORMS,
                                                   kind=Rendition.PDF, issued_at__lte=end_of(ctx)).values(
                "document_id", "document__case_id", "signer_sha256", "issued_at"):
            if r["document_id"] in current_ids:
                renditions.setdefault(r["document__case_id"], []).append(r)
        numbers = {n["document__case_id"]: n for n in DocumentNumber.objects.filter(
            document__case__in=in_scope, document__form__in=DECISION_FORMS).values(
            "document__case_id", "agency_id", "text")}
        unit_names: dict[int, list[str]] = {}
        for agency_id, name in Unit.objects.filter(agency_id__in=sorted({c.agency_id for c in rows.values()})
                                                   ).values_list("agency_id", "name"):
            unit_names.setdefault(agency_id, []).append(name)
        seals: dict[int, str | None] = {}
        for case_id in ids:
            case = rows.get(case_id)
            if case is None:
                continue
            problems: list[tuple[str, str]] = []
            current = by_case.get(case_id, [])
            if case.agency_id not in seals:
                seals[case.agency_id] = agency_seal(case.agency_id)
            seal = seals[case.agency_id]
            signed = renditions.get(case_id, [])
            for r in signed:
                if not r["signer_sha256"]:
                    problems.append((Level.ALARM, f"{local(r['issued_at'])} 签发的决定书未加盖电子签章"))
                elif seal is not None and r["signer_sha256"] != seal:
                    problems.append((Level.ALARM, f"{local(r['issued_at'])} 签发的决定书所加电子签章不是{case.agency.name}"
                                                  f"登记的签章（证书指纹 {r['signer_sha256'][:16]}…）"))
            number = numbers.get(case_id)
            if number is not None and number["agency_id"] != case.agency_id:
                problems.append((Level.ALARM, f"决定书文号 {number['text']} 不是以{case.agency.name}名义编制的"))
            for document in current:
                text = unicodedata.normalize("NFKC", " ".join(str(v) for v in document.elements.values()
                                                             if isinstance(v, str)))
                words = unit_as_decider(text, unit_names.get(case.agency_id, []))
                if words:
                    problems.append((Level.ALARM, f"《{FORMS[document.form].title}》写明“{words}”，以内设机构名义作出决定"))
                if document.form == "penalty_decision" and case.agency.kind == AgencyKind.ENTRUSTED:
                    problems.append((Level.ALARM, f"{case.agency.name}是受委托组织，应当以委托机关名义作出行政处罚决定"
                                                  f"（《中华人民共和国行政处罚法》第二十条），决定书以其自身名义作出"))
            if not signed and current and params(case.agency_id)["require_issued"]:
                problems.append((Level.WARNING, f"决定已于 {local(decided[case_id])} 作出，系统中没有加盖{case.agency.name}"
                                                f"电子签章的决定书"))
            if not problems:
                continue
            level = max((lv for lv, _ in problems), key=lambda lv: LEVEL_RANK[lv])
            yield Hit(agency_id=case.agency_id, case_id=case_id, level=level,
                      detail="；".join(text for _, text in problems[:3]) + "。",
                      evidence={"problems": [text for _, text in problems], "seal_registered": seal is not None})
