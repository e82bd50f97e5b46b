"""How times are shown: the organiser's local time with the viewer's beside it, via Babel.

"Tue 3 Mar 2026, 14:00 Nairobi (13:00 your time, Zurich)" is one translatable sentence with
placeholders; the pieces are Babel-formatted for the locale (never glued translated fragments).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_timezone_location
from flask_babel import gettext as _


def zone_place(zone: str, locale: str = "en") -> str:
    """The city (or place) of an IANA zone in ``locale``, e.g. "Nairobi"."""
    if zone == "UTC":
        return "UTC"
    try:
        return get_timezone_location(zone, locale=locale, return_city=True)
    except (LookupError, ValueError):  # unknown to Babel's CLDR data: fall back to the zone's last part
        return zone.rsplit("/", 1)[-1].replace("_", " ")


def when_text(start_utc: datetime, organiser_zone: str, viewer_zone: str | None,
              locale: str = "en") -> str:
    """The start of a session for a reader in ``viewer_zone`` (None: organiser's time only)."""
    there = start_utc.astimezone(ZoneInfo(organiser_zone))
    date_text = format_date(there, "medium", locale=locale)
    time_text = format_time(there, "short", locale=locale)
    place = zone_place(organiser_zone, locale)
    if not viewer_zone or viewer_zone == organiser_zone:
        return _("%(date)s, %(time)s %(place)s", date=date_text, time=time_text, place=place)
    here = start_utc.astimezone(ZoneInfo(viewer_zone))
    your_time = format_time(here, "short", locale=locale)
    your_place = zone_place(viewer_zone, locale)
    if here.date() != there.date():
        return _(
            "%(date)s, %(time)s %(place)s (%(your_date)s, %(your_time)s your time, %(your_place)s)",
            date=date_text, time=time_text, place=place,
            your_date=format_date(here, "medium", locale=locale), your_time=your_time,
            your_place=your_place,
        )
    return _(
        "%(date)s, %(time)s %(place)s (%(your_time)s your time, %(your_place)s)",
        date=date_text, time=time_text, place=place, your_time=your_time, your_place=your_place,
    )
