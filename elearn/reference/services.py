"""Loading and looking up reference data."""

from __future__ import annotations

import unicodedata
from zoneinfo import available_timezones

import sqlalchemy as sa
from babel import Locale

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


def is_timezone(name: str) -> bool:
    return name in set(timezone_names())


def audiences() -> list[Audience]:
    return list(db.session.scalars(sa.select(Audience).order_by(Audience.position)))


def centres() -> list[RegionalCentre]:
    return list(db.session.scalars(sa.select(RegionalCentre).order_by(RegionalCentre.name)))
