"""Business days and the filing-time rule (sgd_app/domain/calendar.py).

Dates checked against the 2026/2027 Peruvian calendar: 2026-11-27 is a Friday, 2026-12-08/09 are
Tuesday/Wednesday (Inmaculada Concepción, Batalla de Ayacucho), 2026-12-25 and 2027-01-01 are
Fridays, Jueves/Viernes Santo 2026 fall on 2026-04-02/03.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sgd_app import db
from sgd_app.domain.calendar import (
    LIMA,
    BusinessCalendar,
    format_date_es,
    format_datetime_es,
    load_calendar,
)
from sgd_app.domain.models import NonWorkingDay

CAL = BusinessCalendar()
D = date


def lima(*args: int) -> datetime:
    return datetime(*args, tzinfo=LIMA)


# ---------------------------------------------------------------- business days
def test_weekdays_of_the_reference_dates():
    # Guard the fixtures of this file: if these fail, the dates below are wrong, not the code.
    assert D(2026, 11, 27).weekday() == 4  # viernes
    assert D(2026, 12, 8).weekday() == 1  # martes
    assert D(2026, 12, 25).weekday() == 4
    assert D(2027, 1, 1).weekday() == 4


def test_weekends_are_not_business_days():
    assert CAL.holiday_name(D(2026, 11, 28)) == "sábado"
    assert CAL.holiday_name(D(2026, 11, 29)) == "domingo"
    assert not CAL.is_business_day(D(2026, 11, 28))
    assert not CAL.is_business_day(D(2026, 11, 29))
    for day in (D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 25), D(2026, 11, 26), D(2026, 11, 27)):
        assert CAL.is_business_day(day), day
        assert CAL.holiday_name(day) is None


@pytest.mark.parametrize(
    "day, words",
    [
        (D(2026, 7, 28), "Independencia"),
        (D(2026, 7, 29), "Parada Militar"),
        (D(2026, 12, 8), "Inmaculada"),
        (D(2026, 12, 9), "Ayacucho"),
        (D(2026, 12, 25), "Navidad"),
        (D(2027, 1, 1), "Año Nuevo"),
        (D(2026, 4, 2), "Jueves Santo"),
        (D(2026, 4, 3), "Viernes Santo"),
        (D(2026, 5, 1), "Trabajo"),
    ],
)
def test_national_holidays_on_weekdays(day, words):
    assert day.weekday() < 5  # a weekday, so only the holiday makes it non-working
    assert not CAL.is_business_day(day)
    assert words in CAL.holiday_name(day)


def test_days_around_holidays_are_business_days():
    for day in (
        D(2026, 7, 27),
        D(2026, 7, 30),
        D(2026, 12, 7),
        D(2026, 12, 10),
        D(2026, 12, 24),
        D(2026, 12, 31),
        D(2026, 4, 1),
        D(2027, 1, 4),
    ):
        assert CAL.is_business_day(day), day


def test_institution_non_working_day_with_and_without_reason():
    cal = BusinessCalendar({D(2026, 12, 24): "Día no laborable compensable (D.S.)"})
    assert not cal.is_business_day(D(2026, 12, 24))
    assert cal.holiday_name(D(2026, 12, 24)) == "Día no laborable compensable (D.S.)"
    assert cal.is_business_day(D(2026, 12, 23))
    assert CAL.is_business_day(D(2026, 12, 24))  # the plain calendar is unaffected

    cal2 = BusinessCalendar([D(2026, 12, 31)])
    assert cal2.holiday_name(D(2026, 12, 31)) == "Día no laborable de la institución"
    assert not cal2.is_business_day(D(2026, 12, 31))


def test_first_business_day_from():
    assert CAL.first_business_day_from(D(2026, 11, 27)) == D(2026, 11, 27)
    assert CAL.first_business_day_from(D(2026, 11, 28)) == D(2026, 11, 30)
    assert CAL.first_business_day_from(D(2026, 12, 8)) == D(2026, 12, 10)
    assert CAL.first_business_day_from(D(2026, 12, 25)) == D(2026, 12, 28)
    assert CAL.first_business_day_from(D(2027, 1, 1)) == D(2027, 1, 4)
    assert CAL.first_business_day_from(D(2026, 4, 2)) == D(2026, 4, 6)  # Easter: Thu, Fri, weekend


# ---------------------------------------------------------------- add_business_days
def test_add_business_days_zero_is_start_and_negative_refused():
    assert CAL.add_business_days(D(2026, 11, 27), 0) == D(2026, 11, 27)
    with pytest.raises(ValueError):
        CAL.add_business_days(D(2026, 11, 27), -1)


def test_add_business_days_across_a_weekend():
    assert CAL.add_business_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Fri + 1 = Mon
    assert CAL.add_business_days(D(2026, 11, 27), 5) == D(2026, 12, 4)
    assert CAL.add_business_days(D(2026, 11, 26), 1) == D(2026, 11, 27)
    # start on a Saturday: day 1 is Monday
    assert CAL.add_business_days(D(2026, 11, 28), 1) == D(2026, 11, 30)


def test_add_business_days_across_8_and_9_december():
    assert CAL.add_business_days(D(2026, 12, 7), 1) == D(2026, 12, 10)  # Tue 8 + Wed 9 skipped
    assert CAL.add_business_days(D(2026, 12, 7), 3) == D(2026, 12, 14)  # Thu 10, Fri 11, Mon 14
    assert CAL.add_business_days(D(2026, 12, 4), 2) == D(2026, 12, 10)


def test_add_business_days_across_christmas_and_new_year():
    assert CAL.add_business_days(D(2026, 12, 24), 1) == D(2026, 12, 28)
    assert CAL.add_business_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert CAL.add_business_days(D(2026, 12, 23), 5) == D(2026, 12, 31)
    assert CAL.add_business_days(D(2026, 12, 23), 6) == D(2027, 1, 4)
    # with the institution closing 24 and 31 December as well
    cal = BusinessCalendar([D(2026, 12, 24), D(2026, 12, 31)])
    assert cal.add_business_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert cal.add_business_days(D(2026, 12, 23), 5) == D(2027, 1, 5)


def test_add_business_days_over_fiestas_patrias_30_days():
    # 30 business days from Mon 2026-07-20 skip 23 Jul, 28-29 Jul, 6 Aug and the weekends.
    assert CAL.add_business_days(D(2026, 7, 20), 30) == D(2026, 9, 4)


# ---------------------------------------------------------------- business_days_between
def test_business_days_between_both_directions():
    assert CAL.business_days_between(D(2026, 11, 27), D(2026, 11, 30)) == 1
    assert CAL.business_days_between(D(2026, 11, 30), D(2026, 11, 27)) == -1
    assert CAL.business_days_between(D(2026, 12, 7), D(2026, 12, 14)) == 3
    assert CAL.business_days_between(D(2026, 12, 14), D(2026, 12, 7)) == -3
    assert CAL.business_days_between(D(2026, 12, 23), D(2027, 1, 4)) == 6
    assert CAL.business_days_between(D(2027, 1, 4), D(2026, 12, 23)) == -6
    assert CAL.business_days_between(D(2026, 12, 8), D(2026, 12, 9)) == 0  # two holidays
    assert CAL.business_days_between(D(2026, 11, 27), D(2026, 11, 27)) == 0


def test_business_days_between_inverts_add_business_days():
    start = D(2026, 12, 1)
    for n in (0, 1, 5, 12, 30):
        assert CAL.business_days_between(start, CAL.add_business_days(start, n)) == n


# ---------------------------------------------------------------- legal filing date (Ley 31465)
def test_filing_late_on_a_friday_counts_friday():
    assert CAL.legal_filing_date(lima(2026, 11, 27, 23, 59)) == D(2026, 11, 27)
    assert CAL.legal_filing_date(lima(2026, 11, 27, 0, 0)) == D(2026, 11, 27)


def test_filing_on_a_saturday_counts_monday():
    assert CAL.legal_filing_date(lima(2026, 11, 28, 10, 0)) == D(2026, 11, 30)
    assert CAL.legal_filing_date(lima(2026, 11, 29, 23, 59)) == D(2026, 11, 30)


def test_filing_is_judged_in_lima_time_not_utc():
    received = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # Saturday in UTC
    assert received.astimezone(LIMA).hour == 22  # Friday 22:00 in Lima
    assert CAL.legal_filing_date(received) == D(2026, 11, 27)
    # 05:00 UTC on Saturday is 00:00 Saturday in Lima: Monday
    assert CAL.legal_filing_date(datetime(2026, 11, 28, 5, 0, tzinfo=UTC)) == D(2026, 11, 30)
    # Monday 01:00 UTC is still Sunday 20:00 in Lima: Monday all the same
    assert CAL.legal_filing_date(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)) == D(2026, 11, 30)


def test_filing_the_day_before_a_holiday():
    assert CAL.legal_filing_date(lima(2026, 12, 7, 23, 30)) == D(2026, 12, 7)
    # the same instant in UTC is already 8 December (holiday) there
    assert CAL.legal_filing_date(datetime(2026, 12, 8, 4, 30, tzinfo=UTC)) == D(2026, 12, 7)
    assert CAL.legal_filing_date(lima(2026, 12, 8, 0, 30)) == D(2026, 12, 10)
    assert CAL.legal_filing_date(lima(2026, 12, 24, 23, 30)) == D(2026, 12, 24)
    assert CAL.legal_filing_date(lima(2026, 12, 25, 10, 0)) == D(2026, 12, 28)
    assert CAL.legal_filing_date(lima(2026, 7, 27, 23, 30)) == D(2026, 7, 27)
    assert CAL.legal_filing_date(lima(2026, 7, 28, 9, 0)) == D(2026, 7, 30)


def test_filing_on_an_institution_non_working_day():
    cal = BusinessCalendar([D(2026, 12, 24)])
    assert cal.legal_filing_date(lima(2026, 12, 24, 9, 0)) == D(2026, 12, 28)
    assert cal.legal_filing_date(lima(2026, 12, 23, 23, 59)) == D(2026, 12, 23)


def test_naive_datetime_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.legal_filing_date(datetime(2026, 11, 27, 12, 0))


# ---------------------------------------------------------------- formatting
def test_spanish_formats():
    assert format_date_es(D(2026, 11, 28)) == "28/11/2026"
    assert format_date_es(D(2026, 11, 28), weekday=True) == "sábado 28/11/2026"
    assert format_datetime_es(datetime(2026, 11, 28, 3, 0, 5, tzinfo=UTC)) == "27/11/2026 22:00:05"


# ---------------------------------------------------------------- load_calendar
def test_load_calendar_reads_non_working_days(engine):
    with db.session(engine) as s:
        empty = load_calendar(s)
    assert empty.is_business_day(D(2026, 12, 24))

    with db.write_session(engine) as s:
        s.add(NonWorkingDay(day=D(2026, 12, 24), reason="Día no laborable compensable"))
        s.add(NonWorkingDay(day=D(2026, 12, 31), reason=""))
    with db.session(engine) as s:
        cal = load_calendar(s)

    assert cal.holiday_name(D(2026, 12, 24)) == "Día no laborable compensable"
    assert cal.holiday_name(D(2026, 12, 31)) == "Día no laborable de la institución"
    assert "Navidad" in cal.holiday_name(D(2026, 12, 25))  # national holidays still there
    assert cal.add_business_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert cal.add_business_days(D(2026, 12, 30), 1) == D(2027, 1, 4)
    assert cal.legal_filing_date(lima(2026, 12, 31, 8, 0)) == D(2027, 1, 4)
    assert cal.business_days_between(D(2026, 12, 23), D(2027, 1, 4)) == 4
