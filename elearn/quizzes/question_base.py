"""The interface every question type implements (see elearn.quizzes.types), its Grade and
SpecError, and the small helpers the types share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class SpecError(ValueError):
    """A question spec that cannot be used; the message is shown as ``file:line: message``."""


@dataclass(frozen=True)
class Grade:
    fraction: float
    feedback_html: str = ""


def _credit(value, what: str = "credit", low: float = -100.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a number of percent, got {value!r}") from None
    if not math.isfinite(number) or number < low or number > 100:
        raise SpecError(f"{what} must be between {low:g} and 100 percent, got {value!r}")
    return number


def _number(value, what: str) -> float:
    if isinstance(value, bool):
        raise SpecError(f"{what} must be a number, got {value!r}")
    try:
        number = float(str(value).strip().replace(",", ".") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SpecError(f"{what} must be a finite number, got {value!r}")
    return number


def _clamp(fraction: float) -> float:
    return min(1.0, max(0.0, fraction))


class QuestionType:
    kind: str = ""
    input: str = ""  # what the attempt page renders: radio, checkbox, truefalse, text, number

    def parse(self, spec: dict, fmt: str) -> dict:
        raise NotImplementedError

    def grade(self, data: dict, answer) -> Grade:
        raise NotImplementedError

    def public_view(self, data: dict, choice_order: list[int] | None) -> dict:
        return {"input": self.input, "choices": []}

    def correct_view(self, data: dict) -> list[str]:
        raise NotImplementedError

    def coerce(self, data: dict, raw: list[str], choice_order: list[int] | None):
        value = (raw[0] if raw else "").strip()[:200]
        return value or None

    def answer_label(self, data: dict, answer) -> str:
        return "" if answer is None else str(answer)

    def choice_count(self, data: dict) -> int:
        return 0

    def page_order(self, data: dict, rng) -> object | None:
        """An order the attempt page shows this question's parts in, drawn from ``rng`` (a
        generator seeded by the attempt and the question, so a reload draws the same order and
        nothing is stored); None when the type has none beyond the layout's choice order."""
        return None
