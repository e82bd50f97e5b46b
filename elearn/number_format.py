"""Numbers in the page's language exactly as Flask-Babel's ``format_decimal`` and
``format_percent`` write them, at a fraction of their cost: those parse the locale's pattern
and look up the locale and its symbols on every call, which made number formatting the largest
part of a dashboard with a few hundred figures. Here a pattern is parsed once per locale and
format, and a count (a non-negative int in the default format) is grouped directly.
tests/unit/test_number_format.py compares both with Flask-Babel in every language."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_group_symbol, parse_pattern
from flask_babel import format_decimal as babel_decimal
from flask_babel import format_percent as babel_percent
from flask_babel import get_locale


@lru_cache(maxsize=256)
def _pattern(locale: Locale, kind: str, fmt: str | None) -> NumberPattern:
    if fmt is None:
        fmt = (locale.decimal_formats if kind == "decimal" else locale.percent_formats)[None]
    return parse_pattern(fmt)


@lru_cache(maxsize=64)
def _count_grouping(locale: Locale) -> tuple[str, int, int] | None:
    """(group symbol, first group size, other group sizes) when the locale's default decimal
    pattern writes a non-negative whole number as its grouped digits alone, else None."""
    pattern = _pattern(locale, "decimal", None)
    plain = (pattern.prefix[0] == "" and pattern.suffix[0] == "" and pattern.scale == 0
             and pattern.frac_prec[0] == 0 and pattern.int_prec[0] <= 1
             and not pattern.exp_prec)
    if not plain:
        return None
    return get_group_symbol(locale), pattern.grouping[0], pattern.grouping[1]


def decimal(number, format: str | None = None) -> str:
    """The ``decimal`` template filter (Flask-Babel's ``format_decimal``)."""
    locale = get_locale()
    if locale is None:
        return babel_decimal(number, format)
    if format is None and type(number) is int and number >= 0:
        grouping = _count_grouping(locale)
        if grouping is not None:
            symbol, size, other = grouping
            digits, groups = str(number), []
            while len(digits) > size:
                groups.append(digits[-size:])
                digits, size = digits[:-size], other
            return symbol.join([digits, *reversed(groups)])
    return _pattern(locale, "decimal", format).apply(number, locale)


def percent(number, format: str | None = None) -> str:
    """The ``percent`` template filter (Flask-Babel's ``format_percent``)."""
    locale = get_locale()
    if locale is None:
        return babel_percent(number, format)
    return _pattern(locale, "percent", format).apply(number, locale)
