"""The AV records of a case: list with deadlines, playback, upload, interruption notes."""


from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases.errors import ConsultationRequired
from zhifa.cases.models import Stage
from zhifa.cases.selectors import case_content_for, case_get_for, content_read_record, current_documents
from zhifa.cases.views import asks_consultation
from zhifa.core import files
from zhifa.core.bounds import MAX_YEAR, MIN_YEAR, parse_id, parse_int, parse_moment
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.paginator import keyset_page, query_without_cursor
from zhifa.ledger.services import record_event
from zhifa.org import permissions as org_perms
from zhifa.rules.catalogue import AV_ITEMS

from . import archive, events, playback, selectors, services
from . import findings as findings_mod
from .casefile import export_package
from .errors import RecordErrorCode
from .forms import document_choices, upload_initial
from .models import CaseFileSeal, Device, DisposalRequest, InterruptionReason, Recording
from .statistics import record_statistics


def _case(request, pk):
    try:
        return case_get_for(actor=request.user, id=pk, request=request)
    except NotFoundError:
        raise Http404 from None


def _content(request, pk, what: str, **kw):
    """A case whose records the page serves, through the one consultation check (REC-15; cases.selectors)."""
    try:
        return case_content_for(actor=request.user, id=pk, what=what, request=request, **kw)
    except NotFoundError:
        raise Http404 from None


def _moment(value: str):
    moment = parse_moment(value) if value else None
    if value and moment is None:
        raise ZhifaError("record_times_invalid", "时间格式不正确。")
    return moment


RECORDINGS_PAGE = 50


@asks_consultation
def case_recordings(request, pk, *, kept: dict | None = None, status: int = 200):
    """The recordings page. `kept`: a refused form's input, by form ("upload", "interruption", "disposal"),
    shown again with the refusal so that nothing typed is lost (as on the case page, cases.views._refused)."""
    case = _content(request, pk, "recordings")
    documents = current_documents(case)
    if kept is None:
        # Opened from a to-do ("上传…（《询问笔录》）"): the form starts with that record, its activity and its times.
        kept = {"upload": upload_initial(request.GET, documents)}
    # Keyset pages in recording order (issue 19 §2): a long case's hundreds of clips are not all read and rendered.
    page = keyset_page(request, selectors.recordings_for(case), RECORDINGS_PAGE)
    return render(request, "records/case_recordings.html", {
        "case": case, "recordings": page.object_list, "page": page, "query": query_without_cursor(request),
        "problems": selectors.av_problems_for_advance(case),
        "can_upload": org_perms.can(request.user, "records.upload", agency=case.agency) and case.stage != "archive",
        "devices": Device.objects.filter(agency=case.agency, active=True), "officers": case.officers.select_related("person"),
        "activities": AV_ITEMS.items(), "documents": document_choices(case, documents), "reasons": InterruptionReason.choices,
        "seal": CaseFileSeal.objects.filter(case=case).first(),
        "disposals": DisposalRequest.objects.filter(case=case).select_related(
            "requested_by__person", "decided_by__person"),
        "can_request_disposal": org_perms.can(request.user, "records.request_disposal", agency=case.agency),
        "can_approve_disposal": org_perms.can(request.user, "records.approve_disposal", agency=case.agency),
        "today": timezone.localdate(), "kept": kept,
    }, status=status)


def _refused(request, pk, message: str, kept: dict, status: int = 400, *, file_dropped: bool = False):
    """A refused form on the recordings page: the message and the page again with what was typed. A browser
    never refills a file input, so the officer is told to choose the file again."""
    messages.error(request, message + ("已填写的内容已保留，请重新选择文件。" if file_dropped else ""))
    try:
        return case_recordings.__wrapped__(request, pk, kept=kept, status=status)
    except ConsultationRequired:
        # Someone outside the case (allowed this write, e.g. a disposal request) has not stated a reason to read
        # it: no page to show the input on. The recordings page asks for the reason first; the message waits.
        return redirect("case-recordings", pk=pk)


def _same_file_note(recording) -> str:
    """Issue 18 tryout, defect 18: the same file uploaded twice to a case became two recordings unnoticed. A re-upload
    may be deliberate (another activity, a corrected time), so it is stored, and the officer is told which recordings
    of the case hold the same bytes (a file is stored once by its SHA-256: the same blob). One query."""
    earlier = list(Recording.objects.filter(case_id=recording.case_id, blob_id=recording.blob_id)
                   .exclude(pk=recording.pk).order_by("started_at", "id")[:5])
    if not earlier:
        return ""
    named = "、".join(f"#{r.pk}（{timezone.localtime(r.started_at):%Y-%m-%d %H:%M} 开始，{r.get_activity_display()}）"
                     for r in earlier)
    return f"该文件与已上传的音像记录 {named} 相同（SHA-256 一致），请核对是否重复上传。"


@require_POST
def recording_upload(request, pk):
    case = _case(request, pk)
    # Who may upload is checked (and a refusal logged) before the form is looked at.
    org_perms.require(request.user, "records.upload", agency=case.agency, request=request)
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise ZhifaError("record_not_media", "请选择要上传的文件。")
        device = Device.objects.filter(pk=parse_id(request.POST.get("device")), agency=case.agency).first()
        officer = case.officers.filter(person_id=parse_id(request.POST.get("officer"))).first()
        if device is None or officer is None:
            raise ZhifaError("record_device_unregistered", "请选择本机关登记的设备和本案承办人员。")
        document = next((d for d in current_documents(case) if str(d.pk) == request.POST.get("document")), None)
        recording = services.recording_upload(
            case=case, fileobj=upload, device=device, officer=officer.person, activity=request.POST.get("activity", ""),
            started_at=_moment(request.POST.get("started_at", "")), ended_at=_moment(request.POST.get("ended_at", "")),
            place=request.POST.get("place", ""), document=document, remote=bool(request.POST.get("remote")),
            remote_reason=request.POST.get("remote_reason", ""), returned_at=_moment(request.POST.get("returned_at", "")),
            actor=request.user,
            device_checked=bool(request.POST.get("device_checked")),
            opening_statement=bool(request.POST.get("opening_statement")))
        messages.success(request, "已上传音像记录。")
        if same := _same_file_note(recording):
            messages.warning(request, same)
    except (ZhifaError, TypeError) as exc:
        message = refusal_message(exc) if isinstance(exc, ZhifaError) else "请完整填写开始和结束时间。"
        return _refused(request, case.pk, message,
                        {"upload": request.POST}, getattr(exc, "status", 400), file_dropped=True)
    return redirect("case-recordings", pk=case.pk)


@require_POST
def interruption_create(request, pk):
    case = _case(request, pk)
    org_perms.require(request.user, "records.upload", agency=case.agency, request=request)
    try:
        before = Recording.objects.get(pk=parse_id(request.POST.get("before")), case=case)
        after = Recording.objects.filter(pk=parse_id(request.POST.get("after")), case=case).first()
        services.interruption_note(case=case, before=before, after=after, reason=request.POST.get("reason", "other"),
                                   explanation=request.POST.get("explanation", ""),
                                   spoken_on_resume=bool(request.POST.get("spoken_on_resume")),
                                   head_informed=bool(request.POST.get("head_informed")), actor=request.user)
        messages.success(request, "已登记中断说明。")
    except Recording.DoesNotExist:
        return _refused(request, case.pk, "请选择中断前的音像记录。", {"interruption": request.POST})
    except ZhifaError as exc:
        return _refused(request, case.pk, refusal_message(exc), {"interruption": request.POST}, exc.status)
    return redirect("case-recordings", pk=case.pk)


@asks_consultation
def recording_media(request, pk, rec):
    """Playback with range requests; every playback is written to the log (REC-15), once, not once per range:
    against the consultation for a reader outside the case, as a playback for those handling it. What counts as
    one playback is decided here (selectors.playback_logged: the same reader and clip within a window), never by
    the client's Range header."""
    case = _content(request, pk, "media", detail={"recording": rec}, log=False)
    recording = Recording.objects.filter(pk=rec, case=case).select_related("blob").first()
    if recording is None:
        raise Http404
    if hasattr(recording.blob, "disposal"):
        raise ZhifaError(RecordErrorCode.DESTROYED, "该音像记录已在保管期满后经批准销毁，只保留摘要和日志。", status=410)
    if not selectors.playback_logged(actor=request.user, case=case, recording=recording,
                                     consultation=case.consultation):
        if case.consultation is not None:
            content_read_record(actor=request.user, case=case, consultation=case.consultation, what="media",
                                detail={"recording": recording.pk})
        else:
            record_event(events.RECORDING_PLAYED, subject=f"cases.case:{case.pk}", actor=request.user,
                         payload={"recording": recording.pk, "sha256": recording.blob.sha256})
    return playback.serve(request, recording=recording)


@asks_consultation
def case_file(request, pk):
    """Download the case file package (REC-11); a download is written to the log (REC-15): by the consultation
    check for a reader outside the case, as an export for those handling it."""
    case = _content(request, pk, "case_file")
    if archive.is_destroyed(case):
        messages.error(request, "该案卷的音像记录已在保管期满后经批准销毁，不能再导出案卷包；案卷目录和日志仍可查阅。")
        return redirect("case-recordings", pk=case.pk)
    package = export_package(case)
    if case.consultation is None:
        record_event(events.CASE_FILE_EXPORTED, subject=f"cases.case:{case.pk}", actor=request.user,
                     payload={"number": case.number})
    return files.file_response(request, package, filename=f"case-file-{case.number}.zip",
                               content_type="application/zip", generated=True)


@require_POST
def disposal_create(request, pk):
    case = _case(request, pk)
    try:
        archive.disposal_request(case=case, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, "已提交销毁申请，待机关负责人审批。")
    except PermissionDeniedError as exc:  # nothing worth keeping, and the page may not be the actor's to read
        messages.error(request, exc.message)
    except ZhifaError as exc:
        return _refused(request, case.pk, exc.message, {"disposal": request.POST}, exc.status)
    return redirect("case-recordings", pk=case.pk)


@require_POST
def disposal_decide(request, pk, item):
    case = _case(request, pk)
    disposal = DisposalRequest.objects.filter(pk=item, case=case).select_related("case__agency").first()
    if disposal is None:
        raise Http404
    try:
        archive.disposal_decide(request=disposal, approve=request.POST.get("approve") == "1",
                                note=request.POST.get("note", ""), actor=request.user)
        messages.success(request, "已审批销毁申请。")
    except ZhifaError as exc:
        messages.error(request, exc.message)
    return redirect("case-recordings", pk=case.pk)


def findings(request):
    """REC-17: the recording findings in the user's scope, by kind, paginated."""
    org_perms.require(request.user, "records.view_findings", request=request)
    kind = request.GET.get("kind") or None
    every = findings_mod.findings_for(actor=request.user)
    shown = [f for f in every if f.kind == kind] if kind in findings_mod.KINDS else every
    page = keyset_page(request, shown, 50, key=findings_mod.page_key)
    return render(request, "records/findings.html", {
        "page": page, "summary": findings_mod.findings_summary(every), "kind": kind, "kinds": findings_mod.KINDS,
        "query": query_without_cursor(request)})


def statistics(request):
    """REC-16: per-agency statistics of whole-process recording for a year."""
    org_perms.require(request.user, "records.view_findings", request=request)
    this_year = timezone.localdate().year
    # Issue 13 §5: year 0 or 10000 made dt.datetime raise (a 500); a year out of range shows this year.
    year = parse_int(request.GET.get("year"), low=MIN_YEAR, high=MAX_YEAR, default=this_year)
    return render(request, "records/statistics.html", {
        "rows": record_statistics(actor=request.user, year=year), "year": year, "kinds": findings_mod.KINDS,
        "stages": Stage.choices})
