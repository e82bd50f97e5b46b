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


def test_packed_histograms_survive_a_downgrade_and_an_upgrade(app):
    """Migration 0023 packs the completion-day histograms and unpacks them again on the way
    down, without losing a count."""
    from datetime import date

    from elearn.reports import histograms

    table = histograms.histograms_table
    rows = [
        {"period": "a", "centre_id": 3, "course_id": 0, "start": date(1970, 1, 1),
         "country": "TT", "audience_id": 0, "counts": histograms.pack({0: 2, 7: 1, 400: 5})},
        {"period": "m", "centre_id": -1, "course_id": 4, "start": date(2026, 3, 1),
         "country": "", "audience_id": 2, "counts": histograms.pack({1: 1})},
    ]
    with db.engine.begin() as connection:
        connection.execute(table.insert(), rows)
    try:
        downgrade(revision="0021")
        with db.engine.connect() as connection:
            days = sorted(tuple(row) for row in connection.execute(sa.text(
                "SELECT period, centre_id, days, n FROM report_completion_days")))
        assert days == [("a", 3, 0, 2), ("a", 3, 7, 1), ("a", 3, 400, 5), ("m", -1, 1, 1)]
        upgrade()
        with db.engine.connect() as connection:
            stored = {tuple(row[:-1]): dict(histograms.unpack(row[-1]))
                      for row in connection.execute(sa.select(*table.c))}
        assert stored == {tuple(row[name] for name in list(row)[:-1]):
                          dict(histograms.unpack(row["counts"])) for row in rows}
    finally:
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(table.delete())
