"""Formula-injection guard, CSV/XLSX writers and SVG charts: pure functions of data."""

import csv
import io
import tracemalloc
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from elearn.csvsafe import safe_value as safe_cell
from elearn.reports import charts, exports, xlsx


@pytest.mark.parametrize("value", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                   "=HYPERLINK(\"http://x\")"])
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "", "a=b", " =1", 42, -3, 1.5, None, "'quoted"])
def test_other_values_pass_unchanged(value):
    assert safe_cell(value) == value


@given(st.text())
def test_no_safe_text_starts_like_a_formula(text):
    assert not str(safe_cell(text)).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_chunks_round_trip_and_batches():
    rows = [(f"name {i}", "=cmd|' /C calc'!A0", i, None) for i in range(1200)]
    chunks = list(exports.csv_chunks(["a", "b", "c", "d"], iter(rows), batch=500))
    assert len(chunks) == 3  # 500 + 500 + 200 (+ header in the first)
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["a", "b", "c", "d"] and len(parsed) == 1201
    assert parsed[1] == ["name 0", "'=cmd|' /C calc'!A0", "0", ""]


def test_csv_memory_does_not_grow_with_rows():
    def peak(count):
        rows = ((f"person {i}", f"p{i}@example.org", i) for i in range(count))
        tracemalloc.start()
        for _chunk in exports.csv_chunks(["n", "e", "i"], rows):
            pass
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2_000), peak(40_000)
    assert large < small * 1.5


def test_xlsx_chunks_make_a_workbook_with_safe_cells():
    rows = [("=1+1", 3, "ok"), ("@x", -1, None)]
    data = b"".join(exports.xlsx_chunks(["a", "b", "c"], iter(rows), title="Sheet"))
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values == [("a", "b", "c"), ("'=1+1", 3, "ok"), ("'@x", -1, None)]
    assert sheet.title == "Sheet"


def test_bar_chart_is_accessible_svg_without_style_attributes():
    svg = charts.bar_chart("c1", "Title <b>", "Desc & more", [
        charts.Bar("Course <script>", 10, 4, "4 of 10"), charts.Bar("Other", 5, None, "5"),
    ])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">Title &lt;b&gt;</title>" in svg
    assert "<script>" not in svg and "style=" not in svg
    assert svg.count("<rect") == 3  # two bars, one with its dark part
    full = charts.BAR_WIDTH
    assert all(f'width="{w:.1f}"' in svg for w in (full, full / 2, full * 0.4))


def test_empty_chart():
    svg = charts.bar_chart("c2", "Empty", "Nothing", [])
    assert "<rect" not in svg and "</svg>" in svg


KINDS = ("text", "number", "date", "text")


@pytest.mark.parametrize("kinds", [KINDS, None])
def test_xlsx_typed_cells_escaping_and_guard(kinds):
    rows = [("a <b> & c é", 3, 46023.375, "=1+1"), (None, None, None, "-2"),
            ("bell\x07 tab\tend", 1.5, None, "x")]  # a control character: the per-cell path
    data = b"".join(exports.xlsx_chunks(["t", "n", "d", "g"], iter(rows), kinds=kinds))
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "a <b> & c é" and values[1][1] == 3 and values[1][3] == "'=1+1"
    if kinds:
        assert values[1][2] == datetime(2026, 1, 1, 9, 0)
    assert values[2] == (None, None, None, "'-2")
    assert values[3][0] == "bell tab\tend" and values[3][1] == 1.5


def test_xlsx_rows_past_the_sheet_limit_go_to_a_second_sheet(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # header + 3 rows a sheet
    rows = [(f"r{i}", i) for i in range(7)]
    data = b"".join(exports.xlsx_chunks(["a", "b"], iter(rows), title="Data", kinds=("text", "number")))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Data", "Data (2)", "Data (3)"]
    got = [row for sheet in book for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert got == rows


def test_xlsx_memory_does_not_grow_with_rows():
    def peak(count):
        rows = ((f"person {i}", f"p{i}@example.org", i, 46000.5) for i in range(count))
        tracemalloc.start()
        for _chunk in exports.xlsx_chunks(["n", "e", "i", "d"], rows, kinds=KINDS):
            pass
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2_000), peak(40_000)
    assert large < small * 1.5


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        xlsx.row_function(["text", "money"])
