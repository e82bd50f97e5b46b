"""Import seam for ``flask courses check/sync``: check, sync and archive a course's quizzes.

Sync is idempotent (slug + content hash), updates a quiz in place, and never loses attempt
history: a question whose content changed is archived and replaced by a new row with the same
key, removed questions and quizzes are archived, never deleted.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.problems import CourseFilesError, Problem
from elearn.quizzes.loader import ENTRY_LABEL, entry_hash, load_quiz, translation_bytes
from elearn.quizzes.models import Question, QuestionKind, Quiz, ReviewPolicy, ScorePolicy
from elearn.quizzes.spec import ParsedQuiz

log = logging.getLogger(__name__)


def check_quiz(course_dir: Path, entry: dict, rel_file: str) -> list[Problem]:
    """Every problem of one quiz file, as ``file:line: message``.

    Problems of the course.yaml entry itself (slug, keys, settings) are left to the
    course.yaml checker, which reports them at their course.yaml line; ``sync_quiz`` still
    refuses an entry with any problem.
    """
    _quiz, problems = load_quiz(Path(course_dir), entry, rel_file)
    return [p for p in problems if not p.message.startswith(ENTRY_LABEL)]


def _apply_settings(quiz: Quiz, parsed: ParsedQuiz, entry: dict, position: int) -> None:
    settings = parsed.settings
    quiz.title = parsed.title
    quiz.after_module_slug = entry.get("after") or None
    quiz.position = position
    quiz.pass_mark = settings["pass_mark"]
    quiz.max_attempts = settings["max_attempts"]
    quiz.score_policy = ScorePolicy(settings["score"])
    quiz.shuffle_questions = settings["shuffle_questions"]
    quiz.shuffle_choices = settings["shuffle_choices"]
    quiz.time_limit_minutes = settings["time_limit_minutes"]
    quiz.review_policy = ReviewPolicy(settings["review"])
    quiz.draw_count = settings["draw"]
    quiz.source_format = parsed.source_format
    quiz.translations = {
        code: {"title": t.title, "source_hash": t.source_hash, "outdated": t.outdated}
        for code, t in sorted(parsed.translations.items())} or None


def _sync_questions(quiz: Quiz, parsed: ParsedQuiz) -> None:
    rows = db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)).all()
    live = {row.key: row for row in rows if row.archived_at is None}
    archived = {}
    for row in rows:
        if row.archived_at is not None:
            archived[(row.key, row.content_hash)] = row
    now = utcnow()
    keep: set[int] = set()
    for position, question in enumerate(parsed.questions):
        digest = question.content_hash
        category = question.category
        row = live.get(question.key)
        if row is not None and row.content_hash == digest:
            row.position = position
            row.category = category
        else:
            if row is not None:
                row.archived_at = now  # attempts keep the version they were graded on
            row = archived.get((question.key, digest))
            if row is not None:
                row.archived_at = None
                row.position = position
                row.category = category
            else:
                row = Question(
                    quiz_id=quiz.id, key=question.key, content_hash=digest, position=position,
                    kind=QuestionKind(question.kind), title=question.title,
                    text_html=question.text_html, feedback_html=question.feedback_html,
                    points=question.points, data=question.data, category=category,
                )
                db.session.add(row)
                db.session.flush()
        keep.add(row.id)
        # display texts per language: not part of the content hash (they never change grading
        # of other languages' learners: see elearn.quizzes.translations)
        versions = {code: t.questions[position] for code, t in sorted(parsed.translations.items())}
        if (row.translations or None) != (versions or None):
            row.translations = versions or None
    for row in live.values():
        if row.id not in keep and row.archived_at is None:
            row.archived_at = now


def sync_quiz(course, entry: dict, course_dir: Path, position: int,
              notes: list[str] | None = None) -> str:
    """Create or update the quiz of ``entry``; "created", "changed" or "unchanged".

    Raises CourseFilesError when the quiz has problems (the caller's transaction then
    imports nothing).
    """
    course_dir = Path(course_dir)
    rel_file = str(entry.get("file", ""))
    parsed, problems = load_quiz(course_dir, entry, rel_file)
    if problems or parsed is None:
        raise CourseFilesError(problems)
    for warning in parsed.warnings:  # questions skipped on purpose (GIFT essays)
        log.warning("quiz import: %s", warning)
        if notes is not None:
            notes.append(str(warning))
    digest = entry_hash(entry, (course_dir / entry["file"]).read_bytes() + translation_bytes(parsed))
    quiz = db.session.scalar(
        sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == entry["slug"])
    )
    if (quiz is not None and quiz.content_hash == digest and quiz.archived_at is None
            and quiz.position == position):
        return "unchanged"
    status = "changed"
    if quiz is None:
        quiz = Quiz(course_id=course.id, slug=entry["slug"])
        db.session.add(quiz)
        status = "created"
    _apply_settings(quiz, parsed, entry, position)
    quiz.content_hash = digest
    quiz.archived_at = None
    db.session.flush()
    _sync_questions(quiz, parsed)
    db.session.flush()
    return status


def archive_missing_quizzes(course, keep_slugs: set[str]) -> list[str]:
    """Archive the course's quizzes whose slugs are no longer in the files; their slugs."""
    quizzes = db.session.scalars(
        sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.archived_at.is_(None))
    ).all()
    archived = []
    now = utcnow()
    for quiz in quizzes:
        if quiz.slug not in keep_slugs:
            quiz.archived_at = now
            archived.append(quiz.slug)
    db.session.flush()
    return sorted(archived)


def import_quiz_file(course, course_dir: Path, entry: dict, position: int = 0) -> Quiz:
    """Sync one quiz and return it (used by tests and the demo)."""
    sync_quiz(course, entry, course_dir, position)
    return db.session.scalar(
        sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == entry["slug"])
    )
