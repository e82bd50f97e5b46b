"""Item analysis of a quiz for its trainers: attempts, pass rate, average score, and per question
the share right and the most chosen wrong answer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from elearn.enrolments.models import Enrolment
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Question, Quiz, QuizAttempt
from elearn.quizzes.types import question_type


@dataclass
class QuestionStats:
    question: Question
    seen: int = 0
    right: int = 0
    wrong_answers: Counter = field(default_factory=Counter)

    @property
    def share_right(self) -> float | None:
        return None if not self.seen else self.right / self.seen

    @property
    def most_chosen_wrong(self) -> tuple[str, int] | None:
        common = self.wrong_answers.most_common(1)
        return common[0] if common else None


@dataclass
class Analysis:
    attempts: int
    learners: int
    passed: int
    average_percent: float | None
    questions: list[QuestionStats]
    #: graded attempts that recorded each question's result (the per-question figures' base);
    #: fewer than ``attempts`` when some attempts only have a total (e.g. imported or demo data)
    detailed: int = 0

    @property
    def pass_rate(self) -> float | None:
        return None if not self.attempts else self.passed / self.attempts


def analyse(quiz: Quiz) -> Analysis:
    """Attempts, pass rate, average score (SQL aggregates) and per-question statistics.

    Answers live in JSON, so per question the share right and the most chosen wrong answer
    are computed in Python over one streamed query of the quiz's graded attempts. Only
    attempts of enrolled learners count (not the previews of trainers and admins).
    """
    # learners' attempts only: trainers' and admins' previews would skew the figures
    enrolled = sa.select(Enrolment.user_id).where(Enrolment.course_id == quiz.course_id)
    graded = sa.and_(QuizAttempt.quiz_id == quiz.id, QuizAttempt.status == AttemptStatus.submitted,
                     QuizAttempt.user_id.in_(enrolled))
    attempts, learners, passed, average = db.session.execute(
        sa.select(
            sa.func.count(QuizAttempt.id),
            sa.func.count(sa.distinct(QuizAttempt.user_id)),
            sa.func.coalesce(sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)), 0),
            sa.func.avg(QuizAttempt.percent),
        ).where(graded)
    ).one()
    questions = {q.id: q for q in db.session.scalars(
        sa.select(Question).where(Question.quiz_id == quiz.id).order_by(Question.position))}
    stats = {qid: QuestionStats(q) for qid, q in questions.items()}
    rows = db.session.execute(
        sa.select(QuizAttempt.answers, QuizAttempt.results).where(graded)
        .execution_options(yield_per=500)
    )
    detailed = 0
    for answers, results in rows:
        detailed += bool(results)
        for qid_text, result in (results or {}).items():
            entry = stats.get(int(qid_text))
            if entry is None:
                continue
            entry.seen += 1
            if result.get("fraction", 0) >= 0.999:
                entry.right += 1
            else:
                answer = (answers or {}).get(qid_text)
                qtype = question_type(entry.question.kind)
                label = qtype.answer_label(entry.question.data, answer) if answer is not None else ""
                entry.wrong_answers[label or "(no answer)"] += 1
    ordered = sorted(stats.values(), key=lambda s: (s.question.archived_at is not None,
                                                    s.question.position, s.question.id))
    ordered = [s for s in ordered if s.seen or s.question.archived_at is None]
    return Analysis(
        attempts=attempts, learners=learners, passed=int(passed),
        average_percent=float(average) if average is not None else None, questions=ordered,
        detailed=detailed,
    )
