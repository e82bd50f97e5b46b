"""The 51 GIFT PEG.js test files through the course upload and the attempt page: the upload
page lists the refusals by file and line (never a 500); what imports can be taken."""

from __future__ import annotations

import io
import re
import shutil

import sqlalchemy as sa

from elearn.courses.models import Course
from elearn.extensions import db
from elearn.quizzes.models import Quiz
from tests import factories
from tests.courses_helpers import copy_tree, zip_tree
from tests.unit.test_quizzes_gift_pegjs import EXPECTED, FOLDER


def course_with(tmp_path, names) -> bytes:
    tree = copy_tree(tmp_path)
    course = tree / "intro-course"
    lines = []
    for name in names:
        shutil.copy(FOLDER / name, course / "quizzes" / name)
        slug = re.sub(r"[^a-z0-9]+", "-", name.removesuffix(".gift").lower()).strip("-")
        lines.append(f"  - slug: {slug}\n    title: {slug}\n    file: quizzes/{name}\n")
    yaml_file = course / "course.yaml"
    yaml_file.write_text(yaml_file.read_text() + "".join(lines))
    return zip_tree(tree)


def upload(client, data: bytes):
    return client.post("/courses/upload", data={"archive": (io.BytesIO(data), "course.zip")},
                       content_type="multipart/form-data")


def test_the_whole_set_gives_the_refusals_by_file_and_line_and_imports_nothing(
        tmp_path, trainer_client):
    response = upload(trainer_client, course_with(tmp_path, sorted(EXPECTED)))
    assert response.status_code == 422  # the upload page with every problem
    page = response.get_data(as_text=True)
    rows = re.findall(r"<tr><td><code>intro-course/quizzes/([^<]+)</code></td><td>(\d+)</td>"
                      r"<td>the GIFT file has no question elearn can import", page)
    assert sorted(rows) == sorted((name, str(expected[1])) for name, expected in EXPECTED.items()
                                  if expected[0] == "refused")
    assert db.session.scalar(sa.select(sa.func.count(Course.id))) == 0


def test_every_importable_file_imports_and_its_questions_can_be_taken(
        tmp_path, trainer, trainer_client, learner, learner_client):
    names = sorted(name for name, expected in EXPECTED.items()
                   if expected[0] == "imports" and expected[1])
    response = upload(trainer_client, course_with(tmp_path, names))
    assert response.status_code == 200
    assert "created course intro-course" in response.get_data(as_text=True)
    course = db.session.scalar(sa.select(Course))
    factories.enrol(learner, course)
    quizzes = db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id,
                                                       Quiz.slug != "check")).all()
    assert len(quizzes) == len(names)
    for quiz in quizzes:
        start = learner_client.post(f"/courses/intro-course/quizzes/{quiz.slug}/start")
        assert start.status_code == 302, quiz.slug
        page = learner_client.get(start.headers["Location"])
        assert page.status_code == 200, quiz.slug
        assert page.get_data(as_text=True).count('class="question"') >= 1
