from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import User
from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db
from elearn.reference.models import Audience

#: hex digits kept of a translation's source hash
HASH_LENGTH = 16


def source_hash(markdown: str) -> str:
    """The hash a translation records of its source module's Markdown."""
    return hashlib.sha256(markdown.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:HASH_LENGTH]


class EnrolmentPolicy(enum.Enum):
    open = "open"  # anyone may enrol
    restricted = "restricted"  # only the listed audiences self-enrol; others request a place


course_audiences = sa.Table(
    "course_audiences",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("audience_id", sa.ForeignKey("audiences.id", ondelete="CASCADE"), primary_key=True),
)

course_trainers = sa.Table(
    "course_trainers",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    """A course, imported from ``courses/<slug>/course.yaml``."""

    __tablename__ = "courses"
    __table_args__ = (sa.Index("ix_courses_published_title", "published", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL identifier and key for imports
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: one or two sentences for the catalog
    summary: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: language code of the content, e.g. ``en``
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    #: comma-separated subset of ``basel,rotterdam,stockholm``
    conventions: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    #: who may enrol without asking
    enrolment_policy: Mapped[EnrolmentPolicy] = mapped_column(
        enum_column(EnrolmentPolicy, "enrolment_policy"),
        default=EnrolmentPolicy.open,
        server_default=EnrolmentPolicy.open.value,
    )
    #: estimated study time in hours
    estimated_hours: Mapped[float] = mapped_column(default=1, server_default="1")
    #: completion needs attendance at one of the course's webinars
    webinar_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: time allowed on timed quizzes, in percent of their limit, for every learner of the course
    #: (set by its trainers; a learner's own enrolment may grant more: WCAG 2.2.1)
    quiz_time_percent: Mapped[int] = mapped_column(default=100, server_default="100")
    #: months a certificate of this course stays valid (None: it never expires)
    certificate_validity_months: Mapped[int | None] = mapped_column()
    #: the trainer who owns the course
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: owner named by the course files; linked to ``owner_id`` once that trainer has an account
    owner_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    #: shown in the catalog
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: raised by every import that changes the course
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: hash of the imported files, to make imports idempotent
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    audiences: Mapped[list[Audience]] = relationship(
        secondary=course_audiences, order_by=Audience.position
    )
    trainers: Mapped[list[User]] = relationship(secondary=course_trainers)
    modules: Mapped[list[Module]] = relationship(
        order_by="Module.position",
        primaryjoin="and_(Course.id == Module.course_id, Module.archived_at.is_(None))",
        viewonly=True,
    )

    @property
    def convention_list(self) -> list[str]:
        return [c for c in self.conventions.split(",") if c]

    @hybrid_method
    def trained_by(self, user_id: int | None) -> bool:
        """The one rule for "courses this user trains": user ``user_id`` owns or co-trains
        the course. Also an SQL condition: ``select(Course.id).where(Course.trained_by(uid))``."""
        return user_id is not None and (
            self.owner_id == user_id or any(t.id == user_id for t in self.trainers))

    @trained_by.inplace.expression
    @classmethod
    def _trained_by_expression(cls, user_id: int):
        return sa.or_(
            cls.owner_id == user_id,
            cls.id.in_(sa.select(course_trainers.c.course_id)
                       .where(course_trainers.c.user_id == user_id)),
        )

    def is_trainer(self, user) -> bool:
        """True when ``user`` owns or co-trains this course."""
        if not getattr(user, "is_authenticated", False):
            return False
        return self.trained_by(user.id)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Module(db.Model):
    """One lesson of a course: Markdown source and its sanitised HTML."""

    __tablename__ = "modules"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: identifier within the course, stable across imports
    slug: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: order within the course (0-based)
    position: Mapped[int] = mapped_column(default=0)
    #: Markdown as written in the course file
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: sanitised HTML rendered at import time
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: hash of the Markdown, to detect changes
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: set when the module disappeared from the course files (never deleted)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(foreign_keys=[course_id])

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class CourseAsset(db.Model):
    """An image of a course, imported with its files and served from the database.

    Only raster image types are stored (never SVG or HTML); ``content_type`` is chosen by the
    importer from the file's verified signature, not from the name a user gave it.
    """

    __tablename__ = "course_assets"
    __table_args__ = (sa.UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: path inside the course folder, e.g. ``modules/img/map.png``
    path: Mapped[str] = mapped_column(sa.String(300))
    #: ``image/png``, ``image/jpeg``, ``image/gif`` or ``image/webp``
    content_type: Mapped[str] = mapped_column(sa.String(40))
    #: SHA-256 of the bytes (hex), also the HTTP ETag
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: size in bytes
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<CourseAsset {self.path}>"


class ModuleTranslation(db.Model):
    """A language version of a module (``modules/<file>.<lang>.md``). Progress, quizzes and
    certificates stay with the module and its course, whatever the language read."""

    __tablename__ = "module_translations"
    __table_args__ = (sa.UniqueConstraint("module_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"),
                                           index=True)
    #: language code, e.g. ``fr``
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: sanitised HTML rendered at import time
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: hash of the source module's Markdown the translation was made from (its front matter)
    source_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: hash of the translation file, to make imports idempotent
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")

    module: Mapped[Module] = relationship()

    @property
    def outdated(self) -> bool:
        return self.source_hash != source_hash(self.module.body_markdown)

    def __repr__(self) -> str:
        return f"<ModuleTranslation {self.module_id} {self.language}>"


class CourseTranslation(db.Model):
    """A course's title and summary in another language (``course.<lang>.yaml``)."""

    __tablename__ = "course_translations"
    __table_args__ = (sa.UniqueConstraint("course_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    #: language code, e.g. ``fr``
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
