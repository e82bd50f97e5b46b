"""Grading of every question type, and property tests: shuffling never changes a grade and
scores stay within [0, points]."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.quizzes.question_base import SpecError
from elearn.quizzes.types import REGISTRY, normalise_text, parse_number

single = REGISTRY["single"]
multiple = REGISTRY["multiple"]
truefalse = REGISTRY["truefalse"]
short = REGISTRY["short"]
numeric = REGISTRY["numeric"]


def choices(*credits, feedback=None):
    return {"choices": [
        {"text": f"choice {i}", "credit": c, "feedback": (feedback or {}).get(i, "")}
        for i, c in enumerate(credits)
    ]}


def test_single_choice_right_wrong_partial_and_feedback():
    data = single.parse(choices(100, 0, 50, feedback={0: "Well done", 1: "No"}), "markdown")
    assert single.grade(data, 0).fraction == 1
    assert "Well done" in single.grade(data, 0).feedback_html
    assert single.grade(data, 1).fraction == 0
    assert "No" in single.grade(data, 1).feedback_html
    assert single.grade(data, 2).fraction == 0.5
    assert single.grade(data, None).fraction == 0
    assert single.grade(data, 7).fraction == 0
    assert single.grade(data, "0").fraction == 0  # stored answers are indexes, never strings


def test_single_choice_needs_a_right_answer_and_two_choices():
    with pytest.raises(SpecError, match="marked correct"):
        single.parse(choices(0, 0), "markdown")
    with pytest.raises(SpecError, match="two choices"):
        single.parse(choices(100), "markdown")


def test_single_choice_negative_credit_never_gives_a_negative_score():
    data = single.parse(choices(100, -50), "markdown")
    assert single.grade(data, 1).fraction == 0


def test_multiple_choice_weights_add_and_subtract_never_below_zero():
    data = multiple.parse(choices(50, 50, -100, 0), "markdown")
    assert multiple.grade(data, [0, 1]).fraction == 1
    assert multiple.grade(data, [0]).fraction == 0.5
    assert multiple.grade(data, [0, 1, 2]).fraction == 0
    assert multiple.grade(data, [0, 2]).fraction == 0  # 50 - 100 is floored at 0
    assert multiple.grade(data, [3]).fraction == 0
    assert multiple.grade(data, []).fraction == 0
    assert multiple.grade(data, [0, 0, 0]).fraction == 0.5  # repeated choices count once


def test_multiple_choice_thirds_sum_to_full_marks():
    data = multiple.parse(choices(33.33333, 33.33333, 33.33333, -100), "markdown")
    assert multiple.grade(data, [0, 1, 2]).fraction == 1


def test_multiple_choice_positive_weights_must_add_up_to_100():
    with pytest.raises(SpecError, match="add up to 100"):
        multiple.parse(choices(50, 40, -100), "markdown")


def test_truefalse():
    data = truefalse.parse({"answer": False, "feedback_true": "Not so", "feedback_false": "Yes"}, "markdown")
    assert truefalse.grade(data, False).fraction == 1
    assert "Yes" in truefalse.grade(data, False).feedback_html
    assert truefalse.grade(data, True).fraction == 0
    assert "Not so" in truefalse.grade(data, True).feedback_html
    assert truefalse.grade(data, None).fraction == 0
    with pytest.raises(SpecError):
        truefalse.parse({"answer": "yes"}, "markdown")


def test_short_answer_is_case_and_whitespace_insensitive_with_credit():
    data = short.parse({"answers": [
        {"text": "Movement  document", "credit": 100, "feedback": "Right"},
        {"text": "notification", "credit": 50},
    ]}, "markdown")
    assert short.grade(data, "  movement DOCUMENT ").fraction == 1
    assert short.grade(data, "movement\tdocument").fraction == 1
    assert short.grade(data, "Notification").fraction == 0.5
    assert short.grade(data, "movement documents").fraction == 0
    assert short.grade(data, "").fraction == 0
    assert short.grade(data, None).fraction == 0
    assert normalise_text("  A \n b ") == "a b"
    with pytest.raises(SpecError):
        short.parse({"answers": [{"text": "x", "credit": 50}]}, "markdown")


def test_numeric_tolerance_range_and_several_answers():
    data = numeric.parse({"answers": [{"value": 1.5, "tolerance": 0.1}]}, "markdown")
    assert numeric.grade(data, "1.5").fraction == 1
    assert numeric.grade(data, "1.6").fraction == 1
    assert numeric.grade(data, "1,45").fraction == 1  # decimal comma
    assert numeric.grade(data, "1.61").fraction == 0
    assert numeric.grade(data, "abc").fraction == 0
    assert numeric.grade(data, "nan").fraction == 0
    ranged = numeric.parse({"answers": [{"min": 1, "max": 2}]}, "markdown")
    assert numeric.grade(ranged, "1").fraction == 1
    assert numeric.grade(ranged, "2").fraction == 1
    assert numeric.grade(ranged, "2.01").fraction == 0
    several = numeric.parse({"answers": [
        {"value": 1989, "tolerance": 0, "credit": 100, "feedback": "Exactly"},
        {"value": 1990, "tolerance": 1, "credit": 50, "feedback": "Close"},
    ]}, "markdown")
    assert numeric.grade(several, "1989").fraction == 1  # best credit wins where both match
    assert "Exactly" in numeric.grade(several, "1989").feedback_html
    assert numeric.grade(several, "1991").fraction == 0.5
    assert numeric.grade(several, "1992").fraction == 0
    with pytest.raises(SpecError, match="above max"):
        numeric.parse({"answers": [{"min": 3, "max": 2}]}, "markdown")
    assert parse_number(" -2e3 ") == -2000
    assert parse_number(True) is None


def test_public_view_never_contains_credits_or_feedback():
    data = single.parse(choices(100, 0, feedback={0: "SECRET-FEEDBACK"}), "markdown")
    view = single.public_view(data, [1, 0])
    assert view["choices"] == [{"value": "0", "html": "choice 1"}, {"value": "1", "html": "choice 0"}]
    text = repr(view)
    assert "SECRET" not in text and "credit" not in text and "100" not in text
    for kind, spec in [("truefalse", {"answer": True, "feedback_true": "SECRET"}),
                       ("short", {"answers": [{"text": "SECRET"}]}),
                       ("numeric", {"answers": [{"value": 424242}]})]:
        qtype = REGISTRY[kind]
        view = repr(qtype.public_view(qtype.parse(spec, "markdown"), None))
        assert "SECRET" not in view and "424242" not in view and "True" not in view


def test_coerce_maps_shown_positions_back_to_choice_indexes():
    data = multiple.parse(choices(50, 50, -100), "markdown")
    assert multiple.coerce(data, ["0", "2", "9", "x"], [2, 0, 1]) == [1, 2]
    assert single.coerce(single.parse(choices(100, 0), "markdown"), ["1"], [1, 0]) == 0
    assert truefalse.coerce({}, ["maybe"], None) is None
    assert short.coerce({}, ["  x  "], None) == "x"
    assert short.coerce({}, [""], None) is None


def test_markdown_is_sanitised():
    data = single.parse({"choices": [
        {"text": "<script>alert(1)</script>Basel", "credit": 100},
        {"text": '<a href="javascript:alert(1)" onclick="x()">x</a>', "credit": 0},
    ]}, "html")
    assert "<script" not in data["choices"][0]["html"]
    assert "javascript:" not in data["choices"][1]["html"]
    assert "onclick" not in data["choices"][1]["html"]
    markdown = single.parse({"choices": [
        {"text": "[x](javascript:alert(1)) <img src=x onerror=alert(1)>", "credit": 100},
        {"text": "*fine*", "credit": 0},
    ]}, "markdown")
    assert "href" not in markdown["choices"][0]["html"]
    assert "<img" not in markdown["choices"][0]["html"]
    assert markdown["choices"][1]["html"] == "<em>fine</em>"


# --- properties --------------------------------------------------------------------------

credits_strategy = st.lists(st.integers(-100, 100), min_size=2, max_size=6)


def _multiple_data(credits):
    positive = [c for c in credits if c > 0]
    if not positive:
        credits = [100] + credits[1:]
        positive = [100]
    total = sum(positive)
    scaled = [round(c * 100 / total, 6) if c > 0 else c for c in credits]
    return multiple.parse({"choices": [{"text": f"c{i}", "credit": c} for i, c in enumerate(scaled)]},
                          "markdown")


@settings(max_examples=150, deadline=None)
@given(credits=credits_strategy, picks=st.lists(st.integers(0, 5), max_size=6), seed=st.integers())
def test_shuffled_attempt_grades_the_same_as_unshuffled(credits, picks, seed):
    data = _multiple_data(credits)
    n = len(data["choices"])
    picked = sorted({p for p in picks if p < n})
    order = list(range(n))
    random.Random(seed).shuffle(order)
    # the learner ticks the same choices, which the shuffled page shows at other positions
    positions = [str(order.index(i)) for i in picked]
    answer_shuffled = multiple.coerce(data, positions, order)
    answer_plain = multiple.coerce(data, [str(i) for i in picked], None)
    assert answer_shuffled == answer_plain
    assert multiple.grade(data, answer_shuffled) == multiple.grade(data, answer_plain)
    if n >= 2:
        single_data = single.parse({"choices": [{"text": f"c{i}", "credit": 100 if i == 0 else c}
                                                for i, c in enumerate(credits)]}, "markdown")
        if picked:
            shown = str(order.index(picked[0]))
            assert single.grade(single_data, single.coerce(single_data, [shown], order)) == \
                single.grade(single_data, picked[0])


@settings(max_examples=150, deadline=None)
@given(credits=credits_strategy, picks=st.lists(st.integers(-3, 8), max_size=8),
       points=st.floats(0.5, 10), text=st.text(max_size=20))
def test_scores_stay_within_zero_and_points(credits, picks, points, text):
    data = _multiple_data(credits)
    for kind, qdata, answer in [
        ("multiple", data, picks),
        ("single", {"choices": data["choices"]}, picks[0] if picks else None),
        ("short", short.parse({"answers": [{"text": "a"}, {"text": "b", "credit": 30}]}, "markdown"), text),
        ("numeric", numeric.parse({"answers": [{"value": 1, "tolerance": 1e9}]}, "markdown"), text),
        ("truefalse", {"answer": True, "feedback_true": "", "feedback_false": ""}, text == ""),
    ]:
        fraction = REGISTRY[kind].grade(qdata, answer).fraction
        assert 0 <= fraction <= 1
        assert 0 <= fraction * points <= points
