"""Question types: one class per kind behind one small interface, and a registry.

Every type works on the JSON stored in ``Question.data``:

- ``parse(spec, fmt)`` turns the neutral spec both file readers produce into that JSON
  (rendering text to sanitised HTML) or raises ``SpecError``;
- ``grade(data, answer)`` -> ``Grade(fraction, feedback_html)``, fraction in [0, 1];
- ``public_view(data, choice_order)`` is everything the attempt page may show: never which
  answers are right, their weights or their feedback;
- ``correct_view(data)`` lists the right answers (HTML) for a review that may show them;
- ``coerce(data, raw, choice_order)`` turns submitted form values into the stored answer
  (choice positions as shown are mapped back to the choices' own indexes);
- ``answer_label(data, answer)`` names a stored answer for item analysis.

Stored answers: single -> choice index (int), multiple -> sorted list of indexes, truefalse ->
bool, short and numeric -> the text typed (str), matching -> one option index (or None) per
item, in the items' order. ``None`` is "not answered".
"""

from __future__ import annotations

import math
import re

from elearn.quizzes.markup import render, render_inline
from elearn.quizzes.matching import Matching
from elearn.quizzes.question_base import (
    Grade,
    QuestionType,
    SpecError,
    _clamp,
    _credit,
    _number,
)


class _ChoiceType(QuestionType):
    def _choices(self, spec: dict, fmt: str) -> list[dict]:
        choices = spec.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise SpecError(f"a {self.kind} question needs at least two choices")
        out = []
        for number, choice in enumerate(choices, 1):
            text = str(choice.get("text", "")).strip()
            if not text:
                raise SpecError(f"choice {number} has no text")
            out.append({
                "html": render_inline(text, choice.get("fmt") or fmt),
                "credit": _credit(choice.get("credit", 0), f"the weight of choice {number}"),
                "feedback_html": render(str(choice.get("feedback") or ""),
                                        choice.get("feedback_fmt") or fmt),
            })
        return out

    def public_view(self, data, choice_order):
        order = choice_order or list(range(len(data["choices"])))
        return {"input": self.input, "choices": [
            {"value": str(position), "html": data["choices"][index]["html"]}
            for position, index in enumerate(order)
        ]}

    def choice_count(self, data):
        return len(data["choices"])

    def _index(self, data, raw_value: str, choice_order):
        order = choice_order or list(range(len(data["choices"])))
        try:
            position = int(raw_value)
        except (TypeError, ValueError):
            return None
        if 0 <= position < len(order):
            return order[position]
        return None

    def answer_label(self, data, answer):
        if answer is None:
            return ""
        indexes = answer if isinstance(answer, list) else [answer]
        texts = []
        for index in indexes:
            if isinstance(index, int) and 0 <= index < len(data["choices"]):
                texts.append(re.sub(r"<[^>]+>", "", data["choices"][index]["html"]))
        return " + ".join(texts)


class SingleChoice(_ChoiceType):
    """One answer; the right choice is worth 100%, others may give partial (or negative) credit."""

    kind = "single"
    input = "radio"

    def parse(self, spec, fmt):
        choices = self._choices(spec, fmt)
        if not any(c["credit"] == 100 for c in choices):
            raise SpecError("a single-choice question needs one choice marked correct")
        return {"choices": choices}

    def grade(self, data, answer):
        if not isinstance(answer, int) or not 0 <= answer < len(data["choices"]):
            return Grade(0.0)
        choice = data["choices"][answer]
        return Grade(_clamp(choice["credit"] / 100), choice["feedback_html"])

    def correct_view(self, data):
        return [c["html"] for c in data["choices"] if c["credit"] == 100]

    def coerce(self, data, raw, choice_order):
        return self._index(data, raw[0], choice_order) if raw else None


class MultipleChoice(_ChoiceType):
    """Several answers; positive weights sum to 100%, wrong ones subtract, total never below 0."""

    kind = "multiple"
    input = "checkbox"

    def parse(self, spec, fmt):
        choices = self._choices(spec, fmt)
        positive = sum(c["credit"] for c in choices if c["credit"] > 0)
        if abs(positive - 100) > 0.5:
            raise SpecError(
                f"the positive weights of a multiple-choice question must add up to 100 percent, "
                f"they add up to {positive:g}"
            )
        return {"choices": choices}

    def grade(self, data, answer):
        if not isinstance(answer, list):
            return Grade(0.0)
        chosen = sorted({i for i in answer if isinstance(i, int) and 0 <= i < len(data["choices"])})
        if not chosen:
            return Grade(0.0)
        total = sum(data["choices"][i]["credit"] for i in chosen)
        feedback = "".join(
            data["choices"][i]["feedback_html"] for i in chosen if data["choices"][i]["feedback_html"]
        )
        # 99.99 from three weights of 33.333 counts as full marks
        return Grade(_clamp(round(total, 1) / 100), feedback)

    def correct_view(self, data):
        return [c["html"] for c in data["choices"] if c["credit"] > 0]

    def coerce(self, data, raw, choice_order):
        indexes = {self._index(data, value, choice_order) for value in raw}
        indexes.discard(None)
        return sorted(indexes) or None


class TrueFalse(QuestionType):
    kind = "truefalse"
    input = "truefalse"

    def parse(self, spec, fmt):
        answer = spec.get("answer")
        if not isinstance(answer, bool):
            raise SpecError("a true/false question needs answer: true or answer: false")
        return {
            "answer": answer,
            "feedback_true": render(str(spec.get("feedback_true") or ""),
                                    spec.get("feedback_true_fmt") or fmt),
            "feedback_false": render(str(spec.get("feedback_false") or ""),
                                     spec.get("feedback_false_fmt") or fmt),
        }

    def grade(self, data, answer):
        if not isinstance(answer, bool):
            return Grade(0.0)
        feedback = data["feedback_true"] if answer else data["feedback_false"]
        return Grade(1.0 if answer is data["answer"] else 0.0, feedback)

    def public_view(self, data, choice_order):
        return {"input": self.input, "choices": [{"value": "true"}, {"value": "false"}]}

    def correct_view(self, data):
        return ["True" if data["answer"] else "False"]

    def coerce(self, data, raw, choice_order):
        value = raw[0] if raw else ""
        return {"true": True, "false": False}.get(value)

    def answer_label(self, data, answer):
        return "" if answer is None else ("True" if answer else "False")


def normalise_text(text: str) -> str:
    """Case- and whitespace-insensitive form of a short answer."""
    return " ".join(str(text).casefold().split())


class ShortAnswer(QuestionType):
    kind = "short"
    input = "text"

    def parse(self, spec, fmt):
        answers = spec.get("answers")
        if not isinstance(answers, list) or not answers:
            raise SpecError("a short-answer question needs at least one accepted answer")
        out = []
        for number, item in enumerate(answers, 1):
            text = str(item.get("text", "")).strip()
            if not text:
                raise SpecError(f"accepted answer {number} is empty")
            out.append({
                "text": text,
                "credit": _credit(item.get("credit", 100), f"the credit of answer {number}", 0),
                "feedback_html": render(str(item.get("feedback") or ""),
                                        item.get("feedback_fmt") or fmt),
            })
        if not any(a["credit"] == 100 for a in out):
            raise SpecError("a short-answer question needs one answer worth 100 percent")
        return {"answers": out}

    def grade(self, data, answer):
        if not isinstance(answer, str) or not answer.strip():
            return Grade(0.0)
        given = normalise_text(answer)
        best = None
        for item in data["answers"]:
            if normalise_text(item["text"]) == given and (best is None or item["credit"] > best["credit"]):
                best = item
        if best is None:
            return Grade(0.0)
        return Grade(_clamp(best["credit"] / 100), best["feedback_html"])

    def correct_view(self, data):
        return [a["text"] for a in data["answers"] if a["credit"] == 100]

    def answer_label(self, data, answer):
        return "" if answer is None else normalise_text(answer)


def parse_number(text) -> float | None:
    """A number as typed: ``1.5``, ``1,5``, `` -2e3 ``; None when it is not one."""
    if isinstance(text, bool) or text is None:
        return None
    value = str(text).strip().replace(" ", "")
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class Numeric(QuestionType):
    """Exact answers with a tolerance, or ranges; several answers may give different credit."""

    kind = "numeric"
    input = "number"

    def parse(self, spec, fmt):
        answers = spec.get("answers")
        if not isinstance(answers, list) or not answers:
            raise SpecError("a numeric question needs an answer, a min and max, or answers")
        out = []
        for number, item in enumerate(answers, 1):
            entry = {
                "credit": _credit(item.get("credit", 100), f"the credit of answer {number}", 0),
                "feedback_html": render(str(item.get("feedback") or ""),
                                        item.get("feedback_fmt") or fmt),
            }
            if item.get("min") is not None or item.get("max") is not None:
                low = _number(item.get("min"), f"min of answer {number}")
                high = _number(item.get("max"), f"max of answer {number}")
                if low > high:
                    raise SpecError(f"min {low:g} is above max {high:g}")
                entry.update(min=low, max=high)
            else:
                if item.get("value") is None:
                    raise SpecError(f"answer {number} has no value")
                entry["value"] = _number(item.get("value"), f"the value of answer {number}")
                tolerance = _number(item.get("tolerance") or 0, f"the tolerance of answer {number}")
                if tolerance < 0:
                    raise SpecError("a tolerance cannot be negative")
                entry["tolerance"] = abs(tolerance)
            out.append(entry)
        if not any(a["credit"] == 100 for a in out):
            raise SpecError("a numeric question needs one answer worth 100 percent")
        data = {"answers": out}
        if spec.get("other_feedback"):
            # Moodle's "any other answer" (GIFT ``~#feedback``): feedback only, no credit
            data["other_feedback_html"] = render(str(spec["other_feedback"]),
                                                 spec.get("other_feedback_fmt") or fmt)
        return data

    @staticmethod
    def _matches(item: dict, number: float) -> bool:
        if "min" in item:
            return item["min"] - 1e-9 <= number <= item["max"] + 1e-9
        slack = item["tolerance"] + 1e-9 * max(1.0, abs(item["value"]))
        return abs(number - item["value"]) <= slack

    def grade(self, data, answer):
        number = parse_number(answer)
        if number is None:
            return Grade(0.0)
        best = None
        for item in data["answers"]:
            if self._matches(item, number) and (best is None or item["credit"] > best["credit"]):
                best = item
        if best is None:
            return Grade(0.0, data.get("other_feedback_html", ""))
        return Grade(_clamp(best["credit"] / 100), best["feedback_html"])

    def correct_view(self, data):
        out = []
        for item in data["answers"]:
            if item["credit"] != 100:
                continue
            if "min" in item:
                out.append(f"{item['min']:g} – {item['max']:g}")
            elif item["tolerance"]:
                out.append(f"{item['value']:g} ± {item['tolerance']:g}")
            else:
                out.append(f"{item['value']:g}")
        return out

    def answer_label(self, data, answer):
        number = parse_number(answer)
        return "" if number is None else f"{number:g}"


REGISTRY: dict[str, QuestionType] = {
    t.kind: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), ShortAnswer(), Numeric(),
                        Matching())
}


def question_type(kind) -> QuestionType:
    """The type for a kind name or ``QuestionKind`` member."""
    return REGISTRY[getattr(kind, "value", kind)]
