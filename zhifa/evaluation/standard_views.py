"""Pages of the case-file evaluation standards (issue 21 §1): the standard in force per jurisdiction and action type as
a readable table, its versions, the Excel download, and the upload that writes a new rule version for whoever may
set rules there (rules.manage; the national baseline only a system administrator)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from zhifa.core.bounds import parse_date
from zhifa.core.errors import ZhifaError
from zhifa.core.files import file_response
from zhifa.core.forms import ZhifaForm
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType
from zhifa.org.selectors import jurisdiction_ancestors, jurisdiction_list
from zhifa.rules.selectors import rule_history, rules_effective

from . import prescore, standards, standards_io
from .standards import GRADE_LABELS, SECTION_LABELS, VETO_LABELS, Section

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEW, MANAGE = "rules.view", "rules.manage"
MAX_UPLOAD = 5 * 1024 * 1024


class UploadForm(ZhifaForm):
    jurisdiction = forms.CharField(label="设定于", required=False)
    # <input type=date> takes only an ISO date as its value (the zh-hans format 2026/12/02 leaves it empty).
    effective_from = forms.DateField(label="施行日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    source = forms.CharField(label="依据（文件名称和文号）", max_length=300)
    file = forms.FileField(label="评查标准（.xlsx）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("文件超过 5 MB。")
        return f


def _require_view(request):
    if not org_perms.can(request.user, VIEW):
        org_perms.deny(request.user, VIEW, request=request)


def _selected(request, nodes):
    wanted = request.GET.get("jurisdiction", "")
    if wanted == "national":
        return None
    found = next((j for j in nodes if str(j.pk) == wanted), None) if wanted else None
    if found is not None:
        return found
    person = getattr(request.user, "person", None) if hasattr(request.user, "person") else None
    return person.agency.jurisdiction if person else None


def _manageable(user, nodes) -> list:
    """The nodes the user may set rules at ("national" first for a system administrator)."""
    scope = org_perms.scope_for(user, MANAGE)
    out = [j for j in nodes if scope.covers_jurisdiction(j)]
    return (["national"] if user.is_superuser else []) + out


def _effective(jurisdiction, as_of):
    return rules_effective(jurisdiction=jurisdiction, as_of=as_of, keys=[standards.RULE_KEY]).get(standards.RULE_KEY)


def standard_index(request):
    """The standard in force for each action type at a node on a date, one in full, and the node's versions."""
    _require_view(request)
    nodes = list(jurisdiction_list())
    selected = _selected(request, nodes)
    as_of = parse_date(request.GET.get("as_of")) or timezone.localdate()
    rule = _effective(selected, as_of)
    value = rule.value if rule else {}
    types = [("*", standards.action_type_label("*"))] + list(ActionType.choices)
    rows = []
    for code, label in types:
        name = code if code in value else ("*" if "*" in value else None)
        version = rule.entries_from.get(name, rule.version) if (rule and name) else None
        rows.append({"code": code, "label": label, "entry": name, "own": name == code,
                     "title": value[name]["title"] if name else "", "version": version})
    shown = request.GET.get("type") or ("penalty" if "penalty" in value else next(iter(value), ""))
    standard = shown_version = None
    if shown in value or "*" in value:
        name = shown if shown in value else "*"
        version = rule.entries_from.get(name, rule.version)
        standard = standards.standard_from_value(shown, value[name], jurisdiction_id=version.jurisdiction_id,
                                                 rule_version_id=version.pk)
        shown_version = _version_shown(version)
    labels = prescore.check_labels()
    sections = []
    if standard is not None:
        for section in (Section.BASIC, Section.FORM, Section.CONTENT):
            items = [it for it in standard.items if it.section == section]
            sections.append({"label": SECTION_LABELS[section], "items": items, "basic": section == Section.BASIC,
                             "points": sum(it.points for it in items)})
    manageable = _manageable(request.user, nodes)
    can_upload = (selected is None and "national" in manageable) or (selected is not None and selected in manageable)
    query = {"as_of": as_of.isoformat(), "jurisdiction": selected.pk if selected else "national"}
    return render(request, "evaluation/standards.html", {
        "nodes": nodes, "selected": selected, "as_of": as_of, "rows": rows, "standard": standard, "shown": shown,
        "shown_label": standards.action_type_label(shown) if shown else "", "sections": sections,
        "check_labels": labels, "veto_label": VETO_LABELS.get(standard.veto, "") if standard else "",
        "grade_labels": GRADE_LABELS, "rule": rule, "chain": jurisdiction_ancestors(selected) if selected else [],
        "history": _history(selected),
        "download": reverse("evaluation-standards-download") + "?" + urlencode(query),
        "can_upload": can_upload, "form": UploadForm(initial={"effective_from": timezone.localdate()}),
        "manageable": manageable, "chosen": "", "version": shown_version,
        "machine_points": sum(it.points for it in standard.items if it.check) if standard else 0,
        "forms_text": {it.code: standards_io.forms_text(it.forms) for it in standard.items if it.forms} if standard else {},
    })


def _version_shown(version):
    """The version a standard comes from, as people name it: where and by whom it was set, from when (one query; the
    version's id is not shown)."""
    from zhifa.rules.models import RuleVersion

    return RuleVersion.objects.select_related("jurisdiction", "created_by__person").get(pk=version.pk)


def _history(jurisdiction) -> list:
    """The node's own versions, newest first, each marked when a later one corrected it (two queries)."""
    from zhifa.rules.models import RuleVersion

    versions = list(rule_history(jurisdiction=jurisdiction, key=standards.RULE_KEY)
                    .select_related("created_by__person")[:50])
    corrected = set(RuleVersion.objects.filter(supersedes__in=versions).values_list("supersedes_id", flat=True))
    for v in versions:
        v.corrected = v.pk in corrected
    return versions


def standard_download(request):
    """The standards in force at the node on the date, as the workbook the upload reads."""
    _require_view(request)
    nodes = list(jurisdiction_list())
    selected = _selected(request, nodes)
    as_of = parse_date(request.GET.get("as_of")) or timezone.localdate()
    rule = _effective(selected, as_of)
    data = standards_io.workbook_of(rule.value if rule else {})
    where = selected.name if selected else "全国"
    return file_response(request, data, filename=f"案卷评查标准-{where}-{as_of:%Y%m%d}.xlsx", content_type=XLSX,
                         generated=True, download=True)


def standard_upload(request):
    """Read a workbook into a new version of the rule at the chosen node (all or nothing)."""
    _require_view(request)
    nodes = list(jurisdiction_list())
    manageable = _manageable(request.user, nodes)
    if not manageable:
        org_perms.deny(request.user, MANAGE, request=request)
    if request.method != "POST":
        return redirect("evaluation-standards")
    form = UploadForm(request.POST, request.FILES)
    errors, error = [], ""
    jurisdiction = None
    if form.is_valid():
        wanted = form.cleaned_data["jurisdiction"]
        if wanted != "national":
            jurisdiction = next((j for j in nodes if str(j.pk) == wanted), None)
            if jurisdiction is None:
                form.add_error("jurisdiction", "请选择行政区划。")
        # The permission at the chosen node is checked (and a denial logged) before the workbook is read: a file for
        # a node the user may not manage is refused unread, never discussed cell by cell.
        if form.is_valid() and (jurisdiction or "national") not in manageable:
            where = jurisdiction.name if jurisdiction is not None else "全国"
            org_perms.deny(request.user, MANAGE, request=request, detail=f"evaluation standards upload at {where}")
        if form.is_valid():
            try:
                version = standards_io.standards_import(
                    form.cleaned_data["file"], jurisdiction=jurisdiction, actor=request.user,
                    effective_from=form.cleaned_data["effective_from"], source=form.cleaned_data["source"])
            except ZhifaError as exc:
                if exc.status == 403:
                    raise
                error, errors = exc.message, exc.details if isinstance(exc.details, list) else []
            else:
                messages.success(request, f"已导入评查标准，自 {version.effective_from:%Y-%m-%d} 起施行。")
                query = {"jurisdiction": jurisdiction.pk if jurisdiction else "national",
                         "as_of": version.effective_from.isoformat()}
                return redirect(reverse("evaluation-standards") + "?" + urlencode(query))
    return render(request, "evaluation/standards_upload.html", {
        "form": form, "error": error, "errors": errors, "nodes": nodes, "manageable": manageable,
        "chosen": request.POST.get("jurisdiction", "")}, status=400)
