"""Working days and deadlines (PUB-07, REV-06, REC-08 count on them).

Expected dates are typed from the State Council's notices, not from the package:
- 2025: 国办发明电〔2024〕12号
- 2026: 国办发明电〔2025〕7号
"""

import datetime as dt

import chinese_calendar
import pytest
from django.db import connection
from lunardate import LunarDate

from zhifa.core import workdays
from zhifa.core.errors import ZhifaError
from zhifa.core.models import CalendarYear
from zhifa.core.services import calendar_year_load
from zhifa.core.workdays import (
    DatePeriod,
    add_hours,
    add_working_days,
    is_working_day,
    statutory_holidays,
    statutory_version,
    working_days_between,
)

D = dt.date

# (days off, weekend days worked) per official notice
NOTICE_2025 = {
    "元旦": ([D(2025, 1, 1)], []),
    "春节": ([D(2025, 1, 28) + dt.timedelta(days=i) for i in range(8)], [D(2025, 1, 26), D(2025, 2, 8)]),
    "清明节": ([D(2025, 4, 4), D(2025, 4, 5), D(2025, 4, 6)], []),
    "劳动节": ([D(2025, 5, 1) + dt.timedelta(days=i) for i in range(5)], [D(2025, 4, 27)]),
    "端午节": ([D(2025, 5, 31), D(2025, 6, 1), D(2025, 6, 2)], []),
    "国庆节、中秋节": ([D(2025, 10, 1) + dt.timedelta(days=i) for i in range(8)], [D(2025, 9, 28), D(2025, 10, 11)]),
}
NOTICE_2026 = {
    "元旦": ([D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], [D(2026, 1, 4)]),
    "春节": ([D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)], [D(2026, 2, 14), D(2026, 2, 28)]),
    "清明节": ([D(2026, 4, 4), D(2026, 4, 5), D(2026, 4, 6)], []),
    "劳动节": ([D(2026, 5, 1) + dt.timedelta(days=i) for i in range(5)], [D(2026, 5, 9)]),
    "端午节": ([D(2026, 6, 19), D(2026, 6, 20), D(2026, 6, 21)], []),
    "中秋节": ([D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27)], []),
    "国庆节": ([D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)], [D(2026, 9, 20), D(2026, 10, 10)]),
}


@pytest.mark.req("PUB-07")
@pytest.mark.parametrize("notice", [NOTICE_2025, NOTICE_2026], ids=["2025", "2026"])
@pytest.mark.django_db
def test_official_holidays_and_make_up_days(notice):
    """Every day off in the notice is not a working day; every make-up day (调休) is one."""
    for festival, (days_off, days_on) in notice.items():
        for day in days_off:
            assert not is_working_day(day), f"{festival} {day} should be a day off"
        for day in days_on:
            assert day.weekday() >= 5, "a make-up day falls on a weekend"
            assert is_working_day(day), f"{festival} make-up day {day} should be worked"


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Decision on Tue 30 Sep 2025: 1–8 Oct off, Sat 11 Oct worked → 9, 10, 11, 13, 14, 15, 16 Oct.
        (D(2025, 9, 30), 7, D(2025, 10, 16)),
        # Thu 12 Feb 2026: Fri 13, Sat 14 (worked), 15–23 off, 24–27, Sat 28 (worked) → 28 Feb.
        (D(2026, 2, 12), 7, D(2026, 2, 28)),
        # Thu 24 Sep 2026, 20 working days: 25–27 Sep off; 28, 29, 30 Sep; 1–7 Oct off; 8, 9 Oct,
        # Sat 10 Oct (worked), then 12 Oct … 29 Oct is the 20th.
        (D(2026, 9, 24), 20, D(2026, 10, 29)),
        # An ordinary week: the start day itself is not counted (Administrative Penalty Law art. 85).
        (D(2026, 3, 2), 5, D(2026, 3, 9)),
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
    ],
)
def test_add_working_days_across_holidays(start, days, due):
    deadline = add_working_days(start, days)
    assert deadline.due == due
    assert deadline.provisional is False


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_paused_period_does_not_count():
    """IM-M §31 / AZ-V §14: time for supplements is not counted; the deadline moves by the paused working days."""
    plain = add_working_days(D(2026, 3, 2), 5).due
    paused = add_working_days(D(2026, 3, 2), 5, paused=[DatePeriod(D(2026, 3, 4), D(2026, 3, 6))]).due
    assert plain == D(2026, 3, 9)
    assert paused == D(2026, 3, 12)
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 12), paused=[DatePeriod(D(2026, 3, 4), D(2026, 3, 6))]) == 5


@pytest.mark.django_db
def test_working_days_between_counts_and_signs():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 16)) == 7
    assert working_days_between(D(2025, 10, 16), D(2025, 9, 30)) == -7
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_period_must_be_ordered():
    with pytest.raises(ValueError):
        DatePeriod(D(2026, 3, 5), D(2026, 3, 4))


@pytest.mark.django_db
def test_negative_days_rejected():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 2), -1)


@pytest.mark.req("REC-08")
def test_hours_run_on_the_clock_and_pauses_extend_them():
    """IM-M §20: 24 hours is clock time, holidays included; a paused interval extends it."""
    tz = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime(2026, 9, 30, 18, 0, tzinfo=tz)
    assert add_hours(start, 24).due == dt.datetime(2026, 10, 1, 18, 0, tzinfo=tz)
    pause = (dt.datetime(2026, 10, 1, 8, 0, tzinfo=tz), dt.datetime(2026, 10, 1, 10, 0, tzinfo=tz))
    assert add_hours(start, 24, paused=[pause]).due == dt.datetime(2026, 10, 1, 20, 0, tzinfo=tz)
    before = (dt.datetime(2026, 9, 29, 8, 0, tzinfo=tz), dt.datetime(2026, 9, 29, 10, 0, tzinfo=tz))
    assert add_hours(start, 24, paused=[before]).due == dt.datetime(2026, 10, 1, 18, 0, tzinfo=tz)
    with pytest.raises(ValueError):
        add_hours(dt.datetime(2026, 9, 30, 18, 0), 24)


# --- years the package does not know ------------------------------------------------------------

@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_deadline_in_an_unknown_year_is_provisional():
    """2027 is not in the package yet: weekends and statutory holidays only, and the deadline says so."""
    assert 2027 not in workdays.PACKAGE_YEARS
    deadline = add_working_days(D(2026, 12, 28), 7)
    assert deadline.provisional is True
    assert deadline.provisional_years == (2027,)
    # Tue 29, Wed 30, Thu 31 Dec (2026, known); Fri 1 Jan 2027 is New Year's Day, a statutory holiday even
    # without the notice; Sat 2, Sun 3; then Mon 4 … Thu 7 Jan.
    assert deadline.due == D(2027, 1, 7)
    assert workdays.year_is_known(2026) and not workdays.year_is_known(2027)


# --- statutory holidays (《全国年节及纪念日放假办法》) in a year without a notice ---------------------------------

# 2027 from the lunar calendar: 正月初一 is Sat 6 Feb, so 除夕 (腊月廿九, the twelfth month has 29 days) is
# Fri 5 Feb; 清明 Mon 5 Apr; 端午 (五月初五) Wed 9 Jun; 中秋 (八月十五) Wed 15 Sep.
STATUTORY_2027 = {
    "元旦": [D(2027, 1, 1)],
    "春节": [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)],
    "清明节": [D(2027, 4, 5)],
    "劳动节": [D(2027, 5, 1), D(2027, 5, 2)],
    "端午节": [D(2027, 6, 9)],
    "中秋节": [D(2027, 9, 15)],
    "国庆节": [D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)],
}


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_a_year_without_a_notice_counts_its_statutory_holidays():
    """2027 has no notice loaded: its statutory days off are still not working days; the days around them are."""
    assert not workdays.year_is_known(2027)
    expected = {day: festival for festival, days in STATUTORY_2027.items() for day in days}
    assert {day: name for day, name in statutory_holidays(2027).items()} == expected
    for day, festival in expected.items():
        assert not is_working_day(day), f"{festival} {day} is a statutory holiday"
    # 正月初四 (Tue 9 Feb) is given off only if the notice says so (调休): provisionally a working day.
    for day in (D(2026, 12, 31), D(2027, 1, 4), D(2027, 2, 4), D(2027, 2, 9), D(2027, 4, 6), D(2027, 6, 8),
                D(2027, 9, 14), D(2027, 9, 16), D(2027, 10, 4), D(2027, 10, 8)):
        assert is_working_day(day), day


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Thu 4 Feb 2027: 5–8 Feb Spring Festival (the 6th and 7th a weekend too); Tue 9, Wed 10, Thu 11.
        (D(2027, 2, 4), 3, D(2027, 2, 11)),
        # Fri 2 Apr: Mon 5 Apr Qingming; Tue 6, Wed 7.
        (D(2027, 4, 2), 2, D(2027, 4, 7)),
        # Tue 8 Jun: Wed 9 Jun Dragon Boat; Thu 10.
        (D(2027, 6, 8), 1, D(2027, 6, 10)),
        # Tue 14 Sep: Wed 15 Sep Mid-Autumn; Thu 16, Fri 17.
        (D(2027, 9, 14), 2, D(2027, 9, 17)),
        # Thu 30 Sep: Fri 1 Oct National Day … Sun 3; Mon 4 Oct.
        (D(2027, 9, 30), 1, D(2027, 10, 4)),
    ],
)
def test_a_deadline_across_a_statutory_holiday_of_an_unknown_year_skips_it_and_stays_provisional(start, days, due):
    deadline = add_working_days(start, days)
    assert deadline.due == due
    assert deadline.provisional is True and deadline.provisional_years == (2027,)


@pytest.mark.req("PUB-07")
@pytest.mark.parametrize("year", range(2015, 2027))
def test_statutory_holidays_are_days_off_in_every_official_year(year):
    """Computed from the lunar calendar and the solar terms, every statutory day of 2015–2026 is a holiday in
    the official arrangements chinesecalendar carries — by the version of the regulation in force that year:
    国务院令第644号 to 2024 (春节 初一–初三; 劳动节 1 May), 第795号 from 2025 (adds 除夕 and 2 May)."""
    days = statutory_holidays(year)
    festivals = {name for names in days.values() for name in names.split("、")}
    assert festivals == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    assert len(days) == (13 if year >= 2025 else 11) - (year == 2020)  # 2020: 中秋 fell on 1 October
    package_only = workdays.Calendar({})
    for day, festival in days.items():
        assert day in chinese_calendar.holidays, f"{festival} {day} is not a holiday in the {year} notice"
        assert not package_only.is_working_day(day)
    eve = LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1)
    assert (eve in days) is (year >= 2025)
    assert (D(year, 5, 2) in days) is (year >= 2025)


@pytest.mark.req("PUB-07")
@pytest.mark.parametrize("year", range(2004, 2027))
def test_statutory_holidays_are_never_working_days_in_the_official_data(year):
    """The older versions too: 第270号 (to 2007: 春节 初一–初三, 劳动节 1–3 May, no traditional festivals) and
    第513号 (2008–2013: 除夕, 初一, 初二; 清明, 端午, 中秋)."""
    for day, festival in statutory_holidays(year).items():
        assert not chinese_calendar.is_workday(day), f"{festival} {day}"


@pytest.mark.req("PUB-07")
@pytest.mark.parametrize(("notice", "year"), [(NOTICE_2025, 2025), (NOTICE_2026, 2026)])
def test_statutory_holidays_are_within_the_typed_notices(notice, year):
    """Against the notices themselves, not the package: every statutory day is among the days off."""
    days_off = {day for days, _ in notice.values() for day in days}
    assert set(statutory_holidays(year)) <= days_off


def test_the_regulation_in_force_on_1_january_decides():
    assert statutory_version(2024)[1] == "国务院令第644号"
    assert statutory_version(2025)[1] == "国务院令第795号"
    assert statutory_version(2010)[1] == "国务院令第513号"
    assert statutory_version(2000)[1] == "国务院令第270号"


@pytest.mark.parametrize("year", range(2027, 2100, 6))
def test_the_eve_is_the_last_day_of_the_twelfth_month_and_qingming_is_4_or_5_april(year):
    days = statutory_holidays(year)
    eve = min(day for day, name in days.items() if name == "春节")
    lunar = LunarDate.from_solar_date(eve.year, eve.month, eve.day)
    assert lunar.month == 12 and lunar.day in (29, 30)
    assert LunarDate.from_solar_date(*(eve + dt.timedelta(days=1)).timetuple()[:3]) == LunarDate(year, 1, 1)
    qingming = [day for day, name in days.items() if name == "清明节"]
    assert len(qingming) == 1 and qingming[0].month == 4 and qingming[0].day in (4, 5)


def test_beyond_the_lunar_table_only_weekends_count():
    """lunardate covers 1900–2099; later years fall back to weekends (and stay provisional)."""
    assert statutory_holidays(2100) == {}


@pytest.mark.req("PUB-07")
@pytest.mark.django_db(transaction=True)
def test_loading_a_year_recomputes_provisional_deadlines():
    """When the administrator loads 2027, deadlines are exact and every recompute hook runs after commit."""
    calls = []

    def hook(year):
        calls.append(year)
        return 1

    workdays.register_recompute(hook)
    try:
        before = add_working_days(D(2026, 12, 28), 7)
        # A test arrangement for 2027, not the official notice: Fri 1, Mon 4 and Tue 5 Jan off,
        # Sat 2 Jan worked.
        calendar_year_load(
            year=2027, source="测试用安排（非官方）", holidays=["2027-01-01", "2027-01-04", "2027-01-05"],
            workdays_=["2027-01-02"], actor=None,
        )
        after = add_working_days(D(2026, 12, 28), 7)
    finally:
        workdays.unregister_recompute(hook)
    assert before.provisional and not after.provisional
    # 29, 30, 31 Dec; Sat 2 Jan worked; 4, 5 Jan off; 6, 7, 8 Jan.
    assert after.due == D(2027, 1, 8)
    assert calls == [2027]


@pytest.mark.django_db
def test_database_year_overrides_the_package_and_a_reload_supersedes():
    """A corrected notice for a known year wins over the package; the first load stays on record."""
    first = calendar_year_load(year=2026, source="更正一", holidays=["2026-03-02"], workdays_=[], actor=None)
    assert not is_working_day(D(2026, 3, 2))
    assert is_working_day(D(2026, 10, 5))  # the package's National Day no longer applies: the DB year wins
    second = calendar_year_load(year=2026, source="更正二", holidays=["2026-03-03"], workdays_=[], actor=None)
    assert second.supersedes_id == first.pk
    assert is_working_day(D(2026, 3, 2)) and not is_working_day(D(2026, 3, 3))
    assert CalendarYear.objects.filter(year=2026).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("holidays", "days_on", "source", "message"),
    [
        (["2027-13-01"], [], "通知", "不是有效日期"),
        (["2026-01-01"], [], "通知", "不属于 2027 年"),
        (["2027-01-01"], ["2027-01-01"], "通知", "同时出现"),
        (["2027-01-01"], ["2027-01-06"], "通知", "不是周末"),
        ([], [], "通知", "不能为空"),
        (["2027-01-01"], [], "  ", "依据"),
    ],
)
def test_bad_calendar_input_is_refused_and_nothing_is_written(holidays, days_on, source, message):
    with pytest.raises(ZhifaError) as exc:
        calendar_year_load(year=2027, source=source, holidays=holidays, workdays_=days_on, actor=None)
    assert message in exc.value.message
    assert exc.value.code == "calendar_invalid"
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_calendar_years_are_append_only():
    row = calendar_year_load(year=2027, source="测试", holidays=["2027-01-01"], workdays_=[], actor=None)
    row.source = "改"
    with pytest.raises(ZhifaError):
        row.save()
    with pytest.raises(ZhifaError):
        row.delete()
    with pytest.raises(ZhifaError):
        CalendarYear.objects.filter(pk=row.pk).update(source="改")
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.parametrize("year", [0, -1, 10000])
def test_years_no_date_can_hold_have_no_statutory_days_and_do_not_crash(year):
    """The year endpoint takes any integer; the regulation lookup must not raise for it."""
    assert statutory_version(year)[1] in {"国务院令第270号", "国务院令第795号"}
    assert statutory_holidays(year) == {}
