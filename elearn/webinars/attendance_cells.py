"""Cells of a meeting report: durations in any of the known units and languages, times, names; the
limits on a report's size.
"""

from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as dateparser


class ReportError(ValueError):
    pass


#: longest cell read as a duration or a time; longer cells are refused before any pattern runs
MAX_TIME_CELL = 64


#: longest name or email kept from a report (longer cells are an error on that row)
MAX_TEXT_CELL = 320


#: rows read from one report (a meeting of 1,000 people with a few rejoins each fits)
MAX_ROWS = 20_000


#: a person's minutes in one report never exceed a day
MAX_MINUTES = 24 * 60


# Duration units as meeting tools write them in the languages our trainers use. Deliberately a
# closed list: an unknown word makes the duration unreadable (shown on the row) rather than
# guessed. Keys are lower-case, without a trailing dot ("godz." is "godz").
_HOURS = ("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden", "heure", "heures",
          "hora", "horas", "ora", "ore", "uur", "godz", "godzina", "godziny", "godzin", "t",
          "tim", "timme", "timmar", "час", "часа", "часов", "ч", "ساعة", "小时", "小時", "時間")


_MINUTES = ("m", "min", "mins", "minute", "minutes", "minuten", "minuto", "minutos", "minuti",
            "minut", "minuter", "minuty", "мин", "минута", "минуты", "минут", "دقيقة", "دقائق",
            "分", "分钟", "分鐘")


_SECONDS = ("s", "sec", "secs", "second", "seconds", "sek", "sekunde", "sekunden", "seconde",
            "secondes", "segundo", "segundos", "secondo", "secondi", "sekund", "sekunder",
            "sekundy", "с", "сек", "секунд", "ثانية", "ثوان", "秒", "秒钟")


_UNIT_FACTORS = {**{u: 60.0 for u in _HOURS}, **{u: 1.0 for u in _MINUTES},
                 **{u: 1 / 60 for u in _SECONDS}}


# One "number unit" group. No nested quantifier: each group is matched at a fixed position
# with bounded repetitions, so parsing is linear in the cell's length (issue 11: the old
# "(\s*\d+(\.\d+)?\s*[a-z]+\s*)+" pattern backtracked exponentially on "1 h  1 h ... !").
_GROUP = re.compile(r"\s{0,8}(\d{1,6}(?:\.\d{1,3}|,\d{1,2})?)\s{0,8}([^\W\d_]{1,12})\.?\s{0,8}")


# a decimal comma takes one or two digits ("45,5"); "1,234" is a thousands separator: refused
_NUMBER = re.compile(r"\d{1,7}(?:\.\d{1,3}|,\d{1,2})?")


_CLOCK = re.compile(r"(\d{1,4}):(\d{1,2})(?::(\d{1,2}))?")


def _number(text: str) -> float:
    whole, _sep, fraction = text.replace(",", ".").partition(".")
    return float(f"{whole}.{fraction or 0}")


def parse_minutes(text: str) -> float | None:
    """Durations as tools write them: "45", "45.5" (or "45,5"), "01:02:03", "12:30" (MM:SS),
    "1h 2m 3s", "62 min", "1 godz. 32 min", "1 Std. 5 Min.". None when unreadable.

    Linear time: cells longer than MAX_TIME_CELL are refused before any pattern runs, and
    numbers are at most 7 digits (a 400-digit "duration" is unreadable, not infinite)."""
    value = text.strip().lower()
    if not value or value == "-" or len(value) > MAX_TIME_CELL:
        return None
    if _NUMBER.fullmatch(value):
        return _number(value)
    clock = _CLOCK.fullmatch(value)
    if clock:
        first, second, third = clock.groups()
        if third is None:  # two parts are MM:SS (as before: "12:30" is twelve and a half)
            hours, minutes, seconds = 0, int(first), int(second)
        else:
            hours, minutes, seconds = int(first), int(second), int(third)
        if seconds >= 60 or (third is not None and minutes >= 60):
            return None
        return hours * 60 + minutes + seconds / 60
    total, position = 0.0, 0
    while position < len(value):
        match = _GROUP.match(value, position)
        if match is None:
            return None
        factor = _UNIT_FACTORS.get(match.group(2))
        if factor is None:
            return None
        total += _number(match.group(1)) * factor
        position = match.end()
    return total if position else None


def parse_time(text: str) -> datetime | None:
    value = text.strip()
    if not value or value == "-" or len(value) > MAX_TIME_CELL:
        return None
    try:
        return dateparser.parse(value, dayfirst=False)
    except (ValueError, OverflowError, TypeError):
        return None


def strip_name_suffix(name: str) -> str:
    r""""Ana Pereira (Guest)" -> "Ana Pereira": drops everything from the first "(" when the
    name ends with ")". Linear (the old ``re.sub(r"\s*\(.*\)$", ...)`` was quadratic)."""
    if not name.endswith(")"):
        return name.strip()
    index = name.find("(")
    return name[:index].strip() if index > 0 else name.strip()
