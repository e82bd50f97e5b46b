"""The migrations build exactly the models' schema, and downgrade-then-upgrade works."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from elearn.courses.search import include_object
from elearn.extensions import db

pytestmark = pytest.mark.real_commits  # downgrade and upgrade run DDL on their own connection


def schema_differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_object})
        return compare_metadata(context, db.metadata)


def test_upgrade_to_head_gives_the_models_schema(app):
    assert schema_differences() == []


def test_downgrade_to_base_then_upgrade_again(app):
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert schema_differences() == []


def test_question_kind_check_accepts_every_registered_kind(app):
    """The CHECK constraint of questions.kind (changed by migration 0012) follows the enum."""
    from elearn.quizzes.models import QuestionKind

    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            sql = connection.scalar(sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'questions'"))
        else:
            sql = " ".join(connection.scalars(sa.text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'ck_questions_question_kind'")))
    for kind in QuestionKind:
        assert f"'{kind.value}'" in sql
