"""Times shown in the organiser's zone with the reader's beside it (Babel, per locale)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from flask_babel import force_locale

from elearn.webinars.display import when_text, zone_place

START = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 14:00 in Nairobi, 12:00 in Zurich


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_organiser_time_with_the_readers_beside_it(app):
    text = plain(when_text(START, "Africa/Nairobi", "Europe/Zurich", "en"))
    assert text == "Mar 3, 2026, 2:00 PM Nairobi (12:00 PM your time, Zurich)"


def test_same_zone_shows_one_time_and_no_zone_for_anonymous(app):
    assert plain(when_text(START, "Africa/Nairobi", "Africa/Nairobi", "en")) == (
        "Mar 3, 2026, 2:00 PM Nairobi")
    assert plain(when_text(START, "Africa/Nairobi", None, "en")) == "Mar 3, 2026, 2:00 PM Nairobi"


def test_the_readers_date_is_shown_when_it_differs(app):
    text = plain(when_text(START, "Africa/Nairobi", "Pacific/Auckland", "en"))
    assert text == "Mar 3, 2026, 2:00 PM Nairobi (Mar 4, 2026, 12:00 AM your time, Auckland)"


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
