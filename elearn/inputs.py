"""Untrusted input at the edges: ids within the database's range, digits that int() accepts
the way the database does, and no NUL characters (PostgreSQL text cannot hold them).

One place for each rule, used by the URL map, the filters of the pages and the API, and a
request hook that covers every form and query string.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

#: the largest value of the database's INTEGER columns (ids, counts) on SQLite and PostgreSQL
DB_INT_MAX = 2**31 - 1
#: the largest page number any list accepts (beyond it: the last page or 404, never an error)
MAX_PAGE = 100_000


def parse_int(raw: str | None, minimum: int = 1, maximum: int = DB_INT_MAX) -> int | None:
    """``raw`` as an int when it is ASCII digits within [minimum, maximum], else None.

    ``str.isdigit()`` alone lets through ``²`` and other digits that int() refuses, and
    values beyond the database's integer range."""
    if not raw or len(raw) > 12 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def page_arg(name: str = "page") -> int:
    """The page number of ``?page=``: 1 when absent or not a number, at most MAX_PAGE."""
    value = parse_int(request.args.get(name), 1, 10**12)
    return min(value, MAX_PAGE) if value else 1


#: dates any form accepts: far enough from date.min and date.max that a day or a time zone
#: added or taken away never overflows
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)


def sensible_date(form, field) -> None:
    """WTForms validator of every date field: between MIN_DATE and MAX_DATE."""
    if field.data is not None and not MIN_DATE <= field.data <= MAX_DATE:
        raise StopValidation(_l("Enter a date between %(first)s and %(last)s.",
                                first=MIN_DATE.year, last=MAX_DATE.year))


def no_control_characters(form, field) -> None:
    """WTForms validator of one-line fields (links, names): no CR, LF or other control
    characters, which would break mail headers and iCalendar lines."""
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise StopValidation(_l("Remove the line breaks and control characters."))


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, and an id beyond the database's
    integer range matches no route (404) instead of overflowing a query (500)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


NUL_MESSAGE = _l("The text you sent contains a NUL character, which is not allowed. "
                 "Remove it and try again.")


def refuse_nul_characters():
    """Before every request: a NUL in the path, the query string or a form field is refused
    with 400 and a message (PostgreSQL refuses to store or compare NUL in text)."""
    if "\x00" in request.path:
        abort(404)
    for source in (request.args, request.form if request.method != "GET" else None):
        if source is None:
            continue
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(400, description=str(NUL_MESSAGE))


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)


def register_converters(app: Flask) -> None:
    """Before any blueprint: the ``int`` converter every ``<int:...>`` rule uses."""
    app.url_map.converters["int"] = DatabaseIntConverter
