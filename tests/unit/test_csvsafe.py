"""Formula-injection-safe CSV: cells a spreadsheet would run are prefixed with a quote."""

import csv
import io

import pytest

from elearn.csvsafe import csv_lines, csv_text, safe_cell


@pytest.mark.parametrize("value", [
    "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "=HYPERLINK(\"http://evil\")",
])
def test_formula_cells_are_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value, expected", [
    ("Amina Diallo", "Amina Diallo"), ("a=b", "a=b"), ("", ""), (None, ""), (3, "3"),
    (-3, "-3"), (2.5, "2.5"), (True, "true"), ("Ёжиков", "Ёжиков"),
])
def test_ordinary_cells_are_unchanged(value, expected):
    assert safe_cell(value) == expected


def test_csv_text_round_trips_and_never_returns_a_formula():
    text = csv_text(["name", "note"], [["=cmd|' /C calc'!A0", "ok"], ["Zoë, \"Z\"", "@x"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["name", "note"], ["'=cmd|' /C calc'!A0", "ok"], ["Zoë, \"Z\"", "'@x"]]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_lines_stream_one_row_at_a_time():
    parts = list(csv_lines(["a"], ([str(i)] for i in range(3)), bom=False))
    assert parts == ["a\r\n", "0\r\n", "1\r\n", "2\r\n"]
