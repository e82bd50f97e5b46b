"""The synthetic courses of ``reports.demo``: made when the database has too few courses for the
synthetic people to enrol in (3 modules and a short quiz each)."""

from __future__ import annotations

import sqlalchemy as sa

from elearn.courses.models import Course, Module, course_trainers
from elearn.extensions import db
from elearn.quizzes.models import Question, QuestionKind, Quiz
from elearn.reference.models import Audience
from elearn.reports.demo_data import SYNTHETIC_COURSES


def ensure_courses(minimum: int, owner_id: int | None) -> None:
    """Add synthetic courses (3 modules, a short quiz) until ``minimum`` courses exist."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Course)) or 0
    audiences = {a.slug: a for a in db.session.scalars(sa.select(Audience))}
    for slug, title, convention, audience_slugs in SYNTHETIC_COURSES:
        if have >= minimum:
            break
        if db.session.scalar(sa.select(Course.id).where(Course.slug == slug)) is not None:
            continue
        course = Course(
            slug=slug, title=title, published=True, conventions=convention, owner_id=owner_id,
            summary="Synthetic course created for demonstrations and scale tests.",
            estimated_hours=4,
        )
        course.audiences = [audiences[s] for s in audience_slugs if s in audiences]
        db.session.add(course)
        db.session.flush()
        if owner_id is not None:
            db.session.execute(course_trainers.insert(), [{"course_id": course.id, "user_id": owner_id}])
        for position in range(3):
            db.session.add(Module(
                course_id=course.id, slug=f"part-{position + 1}", title=f"Part {position + 1}",
                position=position, body_markdown=f"## Part {position + 1}\n\nSynthetic text.",
                body_html=f"<h2>Part {position + 1}</h2>\n<p>Synthetic text.</p>",
            ))
        quiz = Quiz(course_id=course.id, slug="check", title="Check your understanding",
                    position=0, pass_mark=70)
        db.session.add(quiz)
        db.session.flush()
        for position, (text, answer) in enumerate([
            ("<p>The conventions' secretariat is in Geneva.</p>", True),
            ("<p>Every transboundary movement of hazardous waste is forbidden.</p>", False),
        ]):
            db.session.add(Question(
                quiz_id=quiz.id, position=position, kind=QuestionKind.truefalse,
                text_html=text, points=1,
                data={"answer": answer, "feedback_true": "", "feedback_false": ""},
            ))
        have += 1
    db.session.flush()
