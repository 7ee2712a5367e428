"""Does a public item concern a minor, read now (issue 15 §4): the check before every move that leads to
publication, and the findings for the item's page."""

import functools

from django.db import transaction

from zhifa.cases.models import PartyKind
from zhifa.core.errors import ZhifaError
from zhifa.org.selectors import today as _today

from .. import events, minors, redaction
from ..errors import PublicityErrorCode
from ..models import Publication
from ..workflow import MOVES, Kind
from ._common import _locked


def _minor_findings(pub: Publication) -> list[dict]:
    """Why this item concerns a minor, read now (issue 15 §4): every natural-person party of the case under 18 on
    the decision date by the ID number, and every age under 18 the text states (minors.minor_ages). The
    collection-time flag alone missed a party added afterwards. Party ids and ages only: no name, no number."""
    if pub.kind != Kind.DECISION:
        return []
    findings = []
    if pub.case_id is not None:
        on = pub.decided_on or _today()
        for party in pub.case.parties.all():
            if party.kind == PartyKind.NATURAL and redaction.minor_on(party.id_number, on):
                findings.append({"source": "party", "party": party.pk})
    findings += [{"source": "text", "start": a.start, "end": a.end, "age": a.text}
                 for a in minors.minor_ages(pub.original_text)]
    return findings


def minor_findings(pub: Publication) -> list[dict]:
    """For the item's page and API: does it concern a minor now (read-only)."""
    return _minor_findings(pub)


def _minor_message(findings: list[dict]) -> str:
    where = []
    if any(f["source"] == "party" for f in findings):
        where.append("依身份证号码，当事人在决定作出时未满十八周岁")
    ages = [f["age"] for f in findings if f["source"] == "text"]
    if ages:
        where.append("文中载明年龄“" + "”“".join(dict.fromkeys(ages)) + "”")
    return ("当事人属于未成年人（" + "；".join(where) + "），依法不予公开（《中华人民共和国未成年人保护法》），"
            "请以“当事人属于未成年人”为由申请不予公开。")


def _refuse_minor(pub: Publication) -> None:
    findings = _minor_findings(pub)
    if pub.minor_party or findings:
        raise ZhifaError(PublicityErrorCode.MINOR, _minor_message(findings) if findings else
                         "当事人属于未成年人，依法不予公开（《中华人民共和国未成年人保护法》），请以“当事人属于未成年人”为由申请不予公开。")


def _minor_first(action: str):
    """Decorate a move that leads to publication (submit, approve — which is also every republication of a new
    version) so that the minor check runs on what the item is now, before the move's transaction: a minor found
    is recorded (the item is marked minor_party, with a `publicity.minor_found` entry) in its own transaction,
    which the refusal cannot roll back, then the move is refused. Inside the move `_refuse_minor` checks again."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            pub = Publication.objects.select_related("case").get(pk=kwargs["publication"].pk)
            if pub.state in MOVES[action].sources:
                findings = _minor_findings(pub)
                if findings:
                    with transaction.atomic():
                        pub = _locked(pub)
                        events.minor_found(pub, actor=kwargs.get("actor"), action=action, findings=findings,
                                           flag_was=pub.minor_party)
                        if not pub.minor_party:
                            pub.minor_party = True
                            pub.save(update_fields=["minor_party"])
                    raise ZhifaError(PublicityErrorCode.MINOR, _minor_message(findings), details=findings)
            return service(**kwargs)
        return checked
    return decorate
