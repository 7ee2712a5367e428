

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from . import workdays
from .errors import ZhifaError
from .forms import CalendarYearForm, DeadlineForm
from .models import CalendarYear, SecurityEventKind
from .services import calendar_year_load, security_event_record


def calendar_page(request):
    """Which years are known, from where; a deadline calculator; loading a year (administrators)."""
    this_year = timezone.localdate().year
    calendar = workdays.current()
    years = [
        {"year": y, "source": calendar.source_of(y), "known": calendar.knows(y),
         "origin": "数据库" if y in calendar.db_years else ("软件包" if y in workdays.PACKAGE_YEARS else ""),
         "statutory": workdays.statutory_version(y)[1]}
        for y in range(this_year - 2, this_year + 3)
    ]
    form = CalendarYearForm(request.POST or None) if request.user.is_superuser else None
    if request.method == "POST":
        if not request.user.is_superuser:
            security_event_record(kind=SecurityEventKind.DENIED, request=request, permission="core.manage_calendar")
            raise PermissionDenied("只有系统管理员可以录入节假日安排。")
        if form.is_valid():
            try:
                row = calendar_year_load(
                    year=form.cleaned_data["year"], holidays=form.cleaned_data["holidays"],
                    workdays_=form.cleaned_data["workdays"], source=form.cleaned_data["source"], actor=request.user,
                )
            except ZhifaError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已录入 {row.year} 年节假日安排。")
                return redirect("calendar")
    return render(request, "core/calendar.html", {
        "years": years, "form": form, "deadline_form": DeadlineForm(initial={"start": timezone.localdate()}),
        "history": CalendarYear.objects.select_related("loaded_by__person")[:20],
    })


def deadline_partial(request):
    form = DeadlineForm(request.GET)
    result = None
    if form.is_valid():
        result = workdays.add_working_days(form.cleaned_data["start"], form.cleaned_data["days"])
    return render(request, "core/calendar.html#deadline-result", {"result": result, "deadline_form": form})


