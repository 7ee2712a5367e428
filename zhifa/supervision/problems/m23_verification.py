"""M23: the log or an evidence file fails verification (IM-M §33(四)).

The ledger's fixity check re-hashes every stored evidence file nightly; a file missing or altered becomes a `Finding`
(ledger.models) until a person records how it was handled (`FindingReview`). Each case whose records hold such a file
— an AV recording (records.Recording), an issued document's rendition (cases.DocumentRendition) or the review unit's
archived opinion (review.Opinion.archive_blob) — has an alarm: its evidence can no longer prove what it recorded. The
alarm closes when every finding about the case's files has been handled.

Findings about the log as a whole (a checkpoint mismatch, a conflicting tree node, an entry set aside) name no case
or agency; they stay on the ledger's own integrity page (/ledger/findings/), which the heads and supervisors read.
"""

from zhifa.cases.models import DocumentRendition
from zhifa.ledger.models import Finding
from zhifa.records.models import Recording
from zhifa.review.models import Opinion

from ..registry import Hit, Level, ProblemModel, Scope, register

WHERE = {"recording": "音像记录", "rendition": "执法文书", "opinion": "法制审核意见存档"}


@register
class EvidenceVerificationFailed(ProblemModel):
    code = "M23"
    name = "日志或证据文件未通过完整性核验"
    basis = "国办发〔2018〕118号“严格记录归档”；《行政执法监督条例》"
    description = ("证据文件（音像记录、签发的执法文书、法制审核意见存档）经完整性核验发现缺失或被篡改、且尚未登记处理情况的，"
                   "对该文件所属案件报警；完整性问题全部登记处理后自动关闭。")
    scope = Scope.CASE
    triggers = ("ledger.fixity_failed", "ledger.finding_reviewed")
    defaults = {}

    def evaluate(self, ctx):
        findings = list(Finding.objects.filter(blob__isnull=False, reviews__isnull=True)
                        .values("id", "kind", "blob_id", "blob__sha256", "found_at").order_by("id"))
        if not findings:
            return
        by_blob: dict[int, list[dict]] = {}
        for f in findings:
            by_blob.setdefault(f["blob_id"], []).append(f)
        cases: dict[int, dict] = {}
        for where, case_id, agency_id, blob_id in self._holders(set(by_blob), ctx):
            if ctx.agency_ids is not None and agency_id not in ctx.agency_ids:
                continue
            entry = cases.setdefault(case_id, {"agency": agency_id, "files": {}})
            entry["files"].setdefault(blob_id, set()).add(where)
        for case_id, entry in sorted(cases.items()):
            rows = [(f, entry["files"][blob_id]) for blob_id in sorted(entry["files"]) for f in by_blob[blob_id]]
            parts = [f"{'、'.join(WHERE[w] for w in sorted(places))}文件 {f['blob__sha256'][:12]}…"
                     f"{'缺失' if f['kind'] == 'missing' else '被篡改'}（{f['found_at']:%Y-%m-%d} 发现）"
                     for f, places in rows]
            yield Hit(agency_id=entry["agency"], case_id=case_id, level=Level.ALARM,
                      detail=("；".join(parts) + "，尚未登记处理情况")[:500],
                      evidence={"findings": [f["id"] for f, _ in rows],
                                "files": sorted({f["blob__sha256"] for f, _ in rows})})

    @staticmethod
    def _holders(blob_ids: set[int], ctx):
        """(where, case, agency, blob) of every record in the run's scope that holds one of the files: three queries."""
        narrow = {} if ctx.case_ids is None else {"case_id__in": ctx.case_ids}
        for r in Recording.objects.filter(blob_id__in=blob_ids, **narrow).values_list(
                "case_id", "case__agency_id", "blob_id"):
            yield ("recording", *r)
        narrow = {} if ctx.case_ids is None else {"document__case_id__in": ctx.case_ids}
        for r in DocumentRendition.objects.filter(blob_id__in=blob_ids, **narrow).values_list(
                "document__case_id", "document__case__agency_id", "blob_id"):
            yield ("rendition", *r)
        narrow = {} if ctx.case_ids is None else {"review__case_id__in": ctx.case_ids}
        for r in Opinion.objects.filter(archive_blob_id__in=blob_ids, **narrow).values_list(
                "review__case_id", "review__agency_id", "archive_blob_id"):
            yield ("opinion", *r)

    def cases_for_subject(self, subject: str):
        """`ledger.blob:<sha256>` (a fixity failure) or `ledger.finding:<id>` (a finding handled): the cases holding
        the file."""
        family, _, key = subject.partition(":")
        if family == "ledger.blob":
            blob_ids = set(Finding.objects.filter(blob__sha256=key).values_list("blob_id", flat=True))
        elif family == "ledger.finding" and key.isdigit():
            blob_ids = set(Finding.objects.filter(pk=int(key), blob__isnull=False).values_list("blob_id", flat=True))
        else:
            return None
        if not blob_ids:
            return None
        return {case_id for _, case_id, _, _ in self._holders(blob_ids, _Everything)}


class _Everything:
    case_ids = None
    agency_ids = None
