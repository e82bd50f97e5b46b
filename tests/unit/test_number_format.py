"""The dashboard's number filters write exactly what Flask-Babel writes, in every language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, format_decimal, format_percent

from elearn import number_format
from elearn.config import LANGUAGES

COUNTS = [0, 7, 999, 1000, 12345, 999999, 1234567, 3000000000]
FRACTIONS = [0.0, 0.5, 1.25, 12.349, 1234.5, 98765.4321]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_filters_write_what_flask_babel_writes(app, language):
    with app.test_request_context(), force_locale(language):
        for value in COUNTS + [-1234, 2.0]:
            assert number_format.decimal(value) == format_decimal(value), value
        for value in FRACTIONS:
            for fmt in (None, "#,##0.0", "#,##0.00"):
                assert number_format.decimal(value, fmt) == format_decimal(value, fmt), (value, fmt)
        for value in (0.0, 0.123, 0.5, 1.0, 0.98765):
            for fmt in (None, "#,##0.0 %"):
                assert number_format.percent(value, fmt) == format_percent(value, fmt), (value, fmt)


def test_templates_use_them(app):
    assert app.jinja_env.filters["decimal"] is number_format.decimal
    assert app.jinja_env.filters["percent"] is number_format.percent
