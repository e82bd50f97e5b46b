"""Loading and looking up reference data."""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources
from zoneinfo import available_timezones

import sqlalchemy as sa
from babel import Locale
from flask_babel import lazy_gettext as _l

from elearn.extensions import db
from elearn.reference import data
from elearn.reference.models import Audience, RegionalCentre


def load_reference_data() -> dict[str, int]:
    """Insert the shipped audiences and centres that are missing. Idempotent.

    Existing rows are left as they are, so an admin's edits survive a reload.
    Returns how many rows of each kind were created.
    """
    created = {"audiences": 0, "centres": 0}
    known = set(db.session.scalars(sa.select(Audience.slug)))
    for position, (slug, name, description) in enumerate(data.AUDIENCES):
        if slug not in known:
            db.session.add(Audience(slug=slug, name=name, description=description, position=position))
            created["audiences"] += 1
    known = set(db.session.scalars(sa.select(RegionalCentre.slug)))
    for slug, name, conventions, country, city in data.CENTRES:
        if slug not in known:
            db.session.add(RegionalCentre(
                slug=slug, name=name, conventions=conventions, host_country=country, city=city
            ))
            created["centres"] += 1
    db.session.flush()
    return created


#: CLDR territories that are not ISO 3166-1 countries: groupings and exceptionally reserved
#: codes (Kosovo, XK, is kept: it is in wide use, e.g. by the EU and the UN)
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "AC", "CP", "DG", "EA", "IC", "TA", "CQ"})


def _user_assigned(code: str) -> bool:
    """ISO 3166-1's user-assigned codes (AA, QM-QZ, XA-XZ, ZZ), used by CLDR for pseudo-locales
    such as "Pseudo-Accents" (XA) and "Pseudo-Bidi" (XB)."""
    return (code == "AA" or code == "ZZ" or (code[0] == "Q" and code[1] >= "M")
            or (code[0] == "X" and code != "XK"))


def country_names(locale: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and their names in ``locale``, sorted by name."""
    territories = Locale.parse(locale).territories
    pairs = [
        (code, name) for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES
        and not _user_assigned(code)
    ]
    return dict(sorted(pairs, key=lambda pair: pair[1]))


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'",
                              "\u00b4": "'", "\u2032": "'"})


def country_key(text: str) -> str:
    """A country code or name as looked up: case, accents, the kind of apostrophe and spacing
    do not matter ("Cote d'Ivoire" finds Babel's "Côte d’Ivoire")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def country_lookup(locale: str = "en") -> dict[str, str]:
    """``country_key`` of every ISO code and name in ``locale`` -> the ISO code."""
    countries = country_names(locale)
    lookup = {country_key(name): code for code, name in countries.items()}
    lookup.update({code.casefold(): code for code in countries})
    return lookup


def is_country(code: str) -> bool:
    return code in country_names()


_TIMEZONES: list[str] | None = None


def timezone_names() -> list[str]:
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = sorted(
            tz for tz in available_timezones()
            if "/" in tz and not tz.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        ) + ["UTC"]
    return _TIMEZONES


#: regions of the time-zone list (the first part of an IANA id), in this order
ZONE_REGIONS = {
    "Africa": _l("Africa"), "America": _l("Americas"), "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"), "Asia": _l("Asia"), "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"), "Europe": _l("Europe"), "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


@functools.cache
def canonical_zones() -> tuple[tuple[str, str], ...]:
    """(IANA id, country code) of every zone in IANA's zone.tab: current names only (no
    deprecated aliases such as Asia/Calcutta or US/Eastern), one line per zone of a country."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    zones = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone = line.split("\t")[:3]
            zones.append((zone, country))
    return tuple(zones)


@functools.lru_cache(maxsize=16)
def timezone_choices(locale: str = "en") -> dict[str, list[tuple]]:
    """The canonical zones for a select, grouped by region (regions in the user's language),
    each labelled "City (Country)" in ``locale`` (CLDR names, via Babel) and sorted by label.
    Each option carries in data-also the older ids browsers may report instead (Chromium says
    Asia/Calcutta for Asia/Kolkata), space-separated."""
    from babel.core import get_global
    from babel.dates import get_timezone_location

    babel_locale = Locale.parse(locale)
    older: dict[str, list[str]] = {}
    for alias, zone in get_global("zone_aliases").items():  # CLDR: alias -> current id
        older.setdefault(zone, []).append(alias)
    territories = babel_locale.territories
    groups: dict[str, list[tuple]] = {key: [] for key in ZONE_REGIONS}
    for zone, country in canonical_zones():
        region = zone.split("/", 1)[0]
        if region not in groups:
            continue
        city = get_timezone_location(zone, locale=babel_locale, return_city=True)
        label = f"{city} ({territories.get(country, country)})"
        also = " ".join(sorted(older.get(zone, ())))
        groups[region].append((zone, label, {"data-also": also} if also else {}))
    choices = {str(_l("Coordinated Universal Time")): [("UTC", "UTC", {})]}
    for key, label in ZONE_REGIONS.items():
        with_labels = groups[key]
        if with_labels:
            choices[str(label)] = sorted(with_labels, key=lambda item: item[1].casefold())
    return choices


@functools.cache
def _canonical_zone_set() -> frozenset[str]:
    return frozenset(zone for zone, _country in canonical_zones()) | {"UTC"}


def is_canonical_zone(name: str) -> bool:
    return name in _canonical_zone_set()


def canonical_zone(name: str) -> str | None:
    """``name`` as a zone of the list: itself, or the current id of a deprecated alias (CLDR's
    table: US/Eastern -> America/New_York, Asia/Calcutta -> Asia/Kolkata); None otherwise."""
    if is_canonical_zone(name):
        return name
    from babel.core import get_global

    current = get_global("zone_aliases").get(name)
    return current if current and is_canonical_zone(current) else None


def same_zone(one: str, other: str) -> bool:
    """True when two zone ids name the same zone (an alias and its current id)."""
    return one == other or (canonical_zone(one) or one) == (canonical_zone(other) or other)


def timezone_select(current: str | None, locale: str = "en") -> tuple[dict, str | None]:
    """The choices of a time-zone select (:func:`timezone_choices`) and the value to show for
    ``current``, a zone saved earlier: an alias shows as its current id; a valid zone with no
    current id in the list stays selectable in a group of its own."""
    choices = timezone_choices(locale)
    if not current:
        return choices, current
    mapped = canonical_zone(current)
    if mapped is not None:
        return choices, mapped
    if is_timezone(current):
        choices = {**choices, str(_l("Your current time zone")): [
            (current, current.replace("_", " "), {})]}
    return choices, current


def is_timezone(name: str) -> bool:
    return name in set(timezone_names())


def audiences() -> list[Audience]:
    return list(db.session.scalars(sa.select(Audience).order_by(Audience.position)))


def centres() -> list[RegionalCentre]:
    return list(db.session.scalars(sa.select(RegionalCentre).order_by(RegionalCentre.name)))
