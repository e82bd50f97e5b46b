from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db


class ScorePolicy(enum.Enum):
    highest = "highest"
    last = "last"


class ReviewPolicy(enum.Enum):
    score_only = "score_only"
    correct_answers = "correct_answers"
    correct_once_passed = "correct_once_passed"


class QuestionKind(enum.Enum):
    single = "single"
    multiple = "multiple"
    truefalse = "truefalse"
    short = "short"
    numeric = "numeric"
    matching = "matching"


class AttemptStatus(enum.Enum):
    in_progress = "in_progress"
    submitted = "submitted"


class Quiz(db.Model):
    """A graded quiz of a course, imported from ``courses/<slug>/quizzes/``."""

    __tablename__ = "quizzes"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: slug of the module the quiz sits after (None: at the end)
    after_module_slug: Mapped[str | None] = mapped_column(sa.String(100))
    #: order among the course's quizzes
    position: Mapped[int] = mapped_column(default=0)
    #: percentage needed to pass
    pass_mark: Mapped[int] = mapped_column(default=70, server_default="70")
    #: 0 means unlimited
    max_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    score_policy: Mapped[ScorePolicy] = mapped_column(
        enum_column(ScorePolicy, "score_policy"),
        default=ScorePolicy.highest,
        server_default=ScorePolicy.highest.value,
    )
    shuffle_questions: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    shuffle_choices: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: 0 means no time limit
    time_limit_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    review_policy: Mapped[ReviewPolicy] = mapped_column(
        enum_column(ReviewPolicy, "review_policy"),
        default=ReviewPolicy.correct_once_passed,
        server_default=ReviewPolicy.correct_once_passed.value,
    )
    #: 0: every question; N: N questions drawn at random per attempt
    draw_count: Mapped[int] = mapped_column(default=0, server_default="0")
    #: ``yaml`` or ``gift``
    source_format: Mapped[str] = mapped_column(sa.String(10), default="yaml", server_default="yaml")
    #: hash of the source file, to make imports idempotent
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: set when the quiz disappeared from the course files (never deleted)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: language versions: {language: {"title", "source_hash", "outdated"}} (quizzes/x.<lang>.yaml)
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position",
        primaryjoin="and_(Quiz.id == Question.quiz_id, Question.archived_at.is_(None))",
        viewonly=True,
    )


class Question(db.Model):
    """One question; its answers, weights and feedback live in ``data`` (JSON).

    A question row never changes what it grades: an import that changes a question's content
    archives the row and adds a new one with the same ``key``, so past attempts keep the
    question they were graded on.
    """

    __tablename__ = "questions"
    __table_args__ = (sa.Index("ix_questions_quiz_id_key", "quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    #: stable identity across imports: the file's ``id``, the GIFT title, or a hash of the text
    key: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    #: hash of everything the question shows and grades
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: GIFT ``$CATEGORY`` the question came under (recorded, not used for grading)
    category: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: order in the quiz
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    #: optional GIFT ``::title::``
    title: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: sanitised HTML of the question text
    text_html: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[float] = mapped_column(default=1, server_default="1")
    #: sanitised HTML of the general feedback
    feedback_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: kind-specific answers, credits and per-answer feedback (never sent before submission)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: display texts per language, {language: {"text_html", "feedback_html", "data"}}; grading
    #: uses ``data`` (see elearn.quizzes.translations)
    translations: Mapped[dict | None] = mapped_column(sa.JSON)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAttempt(db.Model):
    """One attempt at a quiz, with the order it was shown in and the answers it was graded on."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        sa.Index("ix_quiz_attempts_quiz_id_status", "quiz_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: 1 for the first attempt
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus, "attempt_status"),
        default=AttemptStatus.in_progress,
        server_default=AttemptStatus.in_progress.value,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: time limit, if any
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: question ids in the order shown, and the choice order of each
    layout: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: the learner's answers, keyed by question id, saved as they go
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: per-question score and feedback after grading
    results: Mapped[dict | None] = mapped_column(sa.JSON)
    score: Mapped[float | None] = mapped_column()
    max_score: Mapped[float | None] = mapped_column()
    #: score as a percentage of max_score
    percent: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()

    quiz: Mapped[Quiz] = relationship()
