"""CSV export of a quiz's item analysis: a pure function of the analysis."""

from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _

from elearn.csvsafe import safe_cell
from elearn.i18n import column_labels

_TAGS = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    return " ".join(_TAGS.sub(" ", html or "").split())


def analysis_csv(quiz, analysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(column_labels(["quiz", "attempts", "learners", "pass rate %", "average score %"]))
    writer.writerow([
        safe_cell(quiz.title), analysis.attempts, analysis.learners,
        "" if analysis.pass_rate is None else f"{100 * analysis.pass_rate:.1f}",
        "" if analysis.average_percent is None else f"{analysis.average_percent:.1f}",
    ])
    writer.writerow([])
    writer.writerow(column_labels(["position", "question", "type", "archived", "answered", "right",
                                   "share right %", "most chosen wrong answer", "times chosen"]))
    for stats in analysis.questions:
        question = stats.question
        wrong = stats.most_chosen_wrong
        writer.writerow([
            question.position + 1, safe_cell(question.title or plain(question.text_html)),
            question.kind.value, _("yes") if question.archived_at else _("no"), stats.seen, stats.right,
            "" if stats.share_right is None else f"{100 * stats.share_right:.1f}",
            safe_cell(wrong[0]) if wrong else "", wrong[1] if wrong else "",
        ])
    return out.getvalue()
