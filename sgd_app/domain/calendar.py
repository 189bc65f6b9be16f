"""Legal time: business days (días hábiles) and the filing-time rule.

- Deadlines run in business days, skipping weekends, Peru's national holidays (``holidays``
  package) and the institution's own non-working days (table ``NonWorkingDay``) — TUO Ley 27444.
- Filing is open 24/7; a filing received on a business day counts as filed that day whatever the
  hour, and one received on a weekend or holiday counts as filed on the next business day
  (Ley 31465). The real reception moment is always kept as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, select

from sgd_app.domain.models import NonWorkingDay

LIMA = ZoneInfo("America/Lima")
MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("PE", years=[year], language="es"))


class BusinessCalendar:
    """Peru's national holidays plus the institution's non-working days."""

    def __init__(self, non_working: Iterable[date] | dict[date, str] = ()):
        self._extra: dict[date, str] = (
            dict(non_working) if isinstance(non_working, dict) else {d: "" for d in non_working}
        )
        self._business: dict[date, bool] = {}

    def holiday_name(self, day: date) -> str | None:
        """The reason ``day`` is not a business day, or None when it is one."""
        if day in self._extra:
            return self._extra[day] or "Día no laborable de la institución"
        name = _national_holidays(day.year).get(day)
        if name:
            return name
        if day.weekday() >= 5:
            return WEEKDAYS_ES[day.weekday()]
        return None

    def is_business_day(self, day: date) -> bool:
        known = self._business.get(day)
        if known is None:
            known = self._business[day] = self.holiday_name(day) is None
        return known

    def first_business_day_from(self, day: date) -> date:
        """``day`` itself when it is a business day, otherwise the next one."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, start: date, days: int) -> date:
        """The date ``days`` business days after ``start`` (``start`` itself is day 0)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after ``start`` up to and including ``end`` (negative when end < start)."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return count

    def legal_filing_date(self, received_at: datetime) -> date:
        """Ley 31465: the legal filing day of something received at ``received_at``."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        return self.first_business_day_from(received_at.astimezone(LIMA).date())


def load_calendar(session: Session) -> BusinessCalendar:
    """The calendar with the institution's non-working days from the database."""
    rows = session.exec(select(NonWorkingDay)).all()
    return BusinessCalendar({r.day: r.reason for r in rows})


def local(dt: datetime) -> datetime:
    """A UTC (or any aware) datetime in Lima time."""
    return dt.astimezone(LIMA)


def format_date_es(day: date, *, weekday: bool = False) -> str:
    text = day.strftime("%d/%m/%Y")
    return f"{WEEKDAYS_ES[day.weekday()]} {text}" if weekday else text


def format_datetime_es(dt: datetime) -> str:
    return local(dt).strftime("%d/%m/%Y %H:%M:%S")
