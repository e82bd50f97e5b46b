"""Matching questions: items paired with options, shown in an order drawn per attempt."""

from __future__ import annotations

from html import escape

from elearn.quizzes.markup import render_inline
from elearn.quizzes.question_base import (
    Grade,
    QuestionType,
    SpecError,
)


class Matching(QuestionType):
    """Items to pair with options (Moodle's matching): each item has one right option; extra
    options without an item are distractors. Credit is the share of items paired right.

    The options are stored sorted (case-insensitively) so their stored order never reveals
    which option belongs to which item. The attempt page shows the items, and one list of all
    options per item, each in an order drawn per attempt (``page_order``: {"items": item
    indexes as shown, "options": option indexes as listed}); a select's value is the option's
    stored index, and the selects come back in the items' shown order."""

    kind = "matching"
    input = "matching"

    def parse(self, spec, fmt):
        pairs = spec.get("pairs")
        if not isinstance(pairs, list):
            raise SpecError("a matching question needs pairs (item -> option)")
        items, options = [], []
        for number, pair in enumerate(pairs, 1):
            option = " ".join(str(pair.get("match", "")).split())
            if not option:
                raise SpecError(f"pair {number} has nothing after ->")
            if option not in options:
                options.append(option)
            text = str(pair.get("text", "")).strip()
            if text:
                items.append((render_inline(text, pair.get("fmt") or fmt), option))
        if len(items) < 2 or len(options) < 3 and len(items) < 3:
            raise SpecError("a matching question needs at least two items and three options, "
                            "or three items")
        options.sort(key=str.casefold)
        return {"items": [{"html": html_text, "option": options.index(option)}
                          for html_text, option in items],
                "options": options}

    def grade(self, data, answer):
        if not isinstance(answer, list) or not data["items"]:
            return Grade(0.0)
        right = sum(1 for item, given in zip(data["items"], answer) if given == item["option"])
        return Grade(right / len(data["items"]))

    def page_order(self, data, rng):
        items, options = list(range(len(data["items"]))), list(range(len(data["options"])))
        rng.shuffle(items)
        rng.shuffle(options)
        return {"items": items, "options": options}

    @staticmethod
    def _order(order, key: str, count: int) -> list[int]:
        """``order[key]`` when it is a permutation of ``range(count)``, else the stored order."""
        wanted = order.get(key) if isinstance(order, dict) else None
        if isinstance(wanted, list) and sorted(wanted) == list(range(count)):
            return wanted
        return list(range(count))

    def shown_items(self, data, order) -> list[int]:
        """The items' indexes in the order the page shows them."""
        return self._order(order, "items", len(data["items"]))

    def shown_selection(self, data, answer, order) -> set[str]:
        """``"<shown position>:<option index>"`` of each answered item (the selects to mark)."""
        if not isinstance(answer, list):
            return set()
        return {f"{position}:{answer[index]}"
                for position, index in enumerate(self.shown_items(data, order))
                if index < len(answer) and answer[index] is not None}

    def public_view(self, data, choice_order):
        return {"input": self.input, "choices": [], "options": [
            {"value": str(index), "text": data["options"][index]}
            for index in self._order(choice_order, "options", len(data["options"]))
        ], "items": [{"value": str(position), "html": data["items"][index]["html"]}
                     for position, index in enumerate(self.shown_items(data, choice_order))]}

    def correct_view(self, data):
        return [f"{item['html']} → {escape(data['options'][item['option']])}"
                for item in data["items"]]

    def coerce(self, data, raw, choice_order):
        answer: list[int | None] = [None] * len(data["items"])
        for position, item in enumerate(self.shown_items(data, choice_order)):
            value = raw[position] if position < len(raw) else ""
            try:
                index = int(value)
            except (TypeError, ValueError):
                index = None
            answer[item] = (index if index is not None and 0 <= index < len(data["options"])
                            else None)
        return answer if any(index is not None for index in answer) else None

    def answer_label(self, data, answer):
        if not isinstance(answer, list):
            return ""
        return "; ".join(
            data["options"][given] if isinstance(given, int) and 0 <= given < len(data["options"])
            else "–" for given in answer)
