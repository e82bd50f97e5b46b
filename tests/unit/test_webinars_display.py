"""Times shown in the organiser's zone with the reader's beside it (Babel, per locale)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import force_locale

from elearn.webinars.display import when_text, zone_place

START = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 14:00 in Nairobi, 12:00 in Zurich


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def local(hour: int, zone: str, day: int = 3) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=ZoneInfo(zone))


def date_of(moment: datetime) -> str:
    """Babel's medium date: the tests check how the sentence is put together, not CLDR's
    spelling of dates, which changes between Babel releases."""
    return plain(format_date(moment, "medium", locale="en"))


def time_of(moment: datetime) -> str:
    return plain(format_time(moment, "short", locale="en"))


def test_organiser_time_with_the_readers_beside_it(app):
    nairobi, zurich = local(14, "Africa/Nairobi"), local(12, "Europe/Zurich")
    text = plain(when_text(START, "Africa/Nairobi", "Europe/Zurich", "en"))
    assert text == (f"{date_of(nairobi)}, {time_of(nairobi)} Nairobi "
                    f"({time_of(zurich)} your time, Zurich)")
    assert time_of(nairobi) != time_of(zurich)


def test_same_zone_shows_one_time_and_no_zone_for_anonymous(app):
    nairobi = local(14, "Africa/Nairobi")
    expected = f"{date_of(nairobi)}, {time_of(nairobi)} Nairobi"
    assert plain(when_text(START, "Africa/Nairobi", "Africa/Nairobi", "en")) == expected
    assert plain(when_text(START, "Africa/Nairobi", None, "en")) == expected


def test_the_readers_date_is_shown_when_it_differs(app):
    nairobi, auckland = local(14, "Africa/Nairobi"), local(0, "Pacific/Auckland", day=4)
    text = plain(when_text(START, "Africa/Nairobi", "Pacific/Auckland", "en"))
    assert text == (f"{date_of(nairobi)}, {time_of(nairobi)} Nairobi "
                    f"({date_of(auckland)}, {time_of(auckland)} your time, Auckland)")
    assert date_of(nairobi) != date_of(auckland)


def test_other_locales_format_their_own_way(app):
    with force_locale("fr"):
        text = plain(when_text(START, "Africa/Nairobi", "America/Montevideo", "fr"))
    assert "14:00" in text and "08:00" in text and "Nairobi" in text and "Montevideo" in text


def _folded(text: str) -> str:
    """Case and accents folded: CLDR releases differ on "Sao Paulo" vs "São Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def test_zone_place_is_the_city(app):
    place = zone_place("America/Sao_Paulo", "en")
    assert _folded(place) == "sao paulo"  # the city, not the zone id "America/Sao_Paulo"
    assert zone_place("UTC", "en") == "UTC"
