"""Course upload: the same check and sync as the files, safe against hostile archives."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from elearn.accounts.models import Role
from elearn.courses.models import Course, CourseAsset, Module
from elearn.extensions import db
from elearn.permissions import can_manage_course
from tests import factories
from tests.courses_helpers import copy_tree, edit, zip_tree


def post(client, data: bytes, name: str = "course.zip"):
    return client.post("/courses/upload", data={"archive": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Course, Module, CourseAsset))


def make_zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def good_zip(tmp_path):
    return zip_tree(copy_tree(tmp_path), prefix="")


def test_upload_page_needs_a_trainer(client, learner_client, trainer_client, admin_client):
    assert client.get("/courses/upload").status_code == 302
    assert learner_client.get("/courses/upload").status_code == 403
    assert trainer_client.get("/courses/upload").status_code == 200
    assert admin_client.get("/courses/upload").status_code == 200


def test_good_upload_creates_the_course_owned_by_the_uploader(trainer, trainer_client, good_zip):
    response = post(trainer_client, good_zip)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "created course intro-course" in page
    course = db.session.scalar(sa.select(Course).where(Course.slug == "intro-course"))
    assert course.owner_id == trainer.id and course.owner_email == trainer.email
    assert can_manage_course(trainer, course)
    assert counts() == (1, 3, 1)
    # a second upload of the same zip changes nothing
    assert "nothing changed" in post(trainer_client, good_zip).get_data(as_text=True)


def test_upload_with_course_yaml_at_the_zip_root(trainer_client, tmp_path):
    tree = copy_tree(tmp_path)
    data = zip_tree(tree / "intro-course")
    response = post(trainer_client, data)
    assert response.status_code == 200
    assert counts() == (1, 3, 1)


def test_broken_upload_lists_problems_and_changes_nothing(trainer, trainer_client, tmp_path):
    tree = copy_tree(tmp_path)
    post(trainer_client, zip_tree(tree))
    before = counts()
    edit(tree / "intro-course/course.yaml", "title: The details", "title: Changed title")
    edit(tree / "intro-course/course.yaml", "nip-official", "astronauts")
    edit(tree / "intro-course/modules/01-basics.md", "img/map.png", "img/nope.png")
    (tree / "intro-course/modules/02-details.md").write_text("## Changed text\n")
    response = post(trainer_client, zip_tree(tree))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was imported" in page
    assert "<code>intro-course/course.yaml</code></td><td>6</td><td>unknown audience" in page
    assert ("<code>intro-course/modules/01-basics.md</code></td><td>11</td>"
            "<td>broken image link img/nope.png") in page
    db.session.expire_all()
    assert counts() == before
    titles = set(db.session.scalars(sa.select(Module.title)))
    assert "Changed title" not in titles
    assert "Changed text" not in "".join(db.session.scalars(sa.select(Module.body_html)))


def test_trainer_cannot_overwrite_a_course_they_do_not_manage(app, as_user, good_zip):
    owner = factories.make_user(role=Role.trainer)
    intruder = factories.make_user(role=Role.trainer)
    factories.make_course(slug="intro-course", title="The original", owner=owner)
    response = post(as_user(intruder), good_zip)
    assert response.status_code == 422
    assert "you do not manage it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course.title)) == "The original"
    # the owner and an admin may
    assert post(as_user(owner), good_zip).status_code == 200
    admin = factories.make_user(role=Role.admin)
    assert post(as_user(admin), good_zip).status_code == 200
    db.session.expire_all()
    course = db.session.scalar(sa.select(Course))
    assert course.title == "Introduction to the conventions" and course.owner_id == owner.id


@pytest.mark.parametrize("name", ["../evil.md", "/etc/evil.md", "a/../../evil.md",
                                  "..\\evil.md", "C:/evil.md"])
def test_zip_slip_is_refused(trainer_client, tmp_path, name):
    data = make_zip({"course.yaml": b"slug: x\n", name: b"# evil\n"})
    response = post(trainer_client, data)
    assert response.status_code == 422
    assert "nothing was imported" in response.get_data(as_text=True)
    assert not (tmp_path.parent / "evil.md").exists()
    assert counts() == (0, 0, 0)


def test_zip_bomb_is_refused(trainer_client):
    bomb = make_zip({"course.yaml": b"slug: x\n", "modules/a.md": b"0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    response = post(trainer_client, bomb)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "compression ratio too high" in page
    assert counts() == (0, 0, 0)


def test_unpacked_size_and_file_count_limits(app, trainer_client):
    app.config["COURSE_UPLOAD_MAX_UNPACKED_MB"] = 1
    app.config["COURSE_UPLOAD_MAX_FILES"] = 5
    try:
        big = make_zip({"course.yaml": b"x", "a.png": bytes(range(256)) * 5000},
                       compression=zipfile.ZIP_STORED)
        assert "unpacked size larger than 1 MB" in post(trainer_client, big).get_data(as_text=True)
        many = make_zip({f"modules/{i}.md": b"x" for i in range(6)})
        assert "more than 5 files" in post(trainer_client, many).get_data(as_text=True)
    finally:
        del app.config["COURSE_UPLOAD_MAX_UNPACKED_MB"], app.config["COURSE_UPLOAD_MAX_FILES"]


def test_too_large_upload_is_refused(app, trainer_client):
    app.config["COURSE_UPLOAD_MAX_MB"] = 1
    try:
        data = make_zip({"course.yaml": b"x", "a.png": bytes(range(256)) * 6000},
                        compression=zipfile.ZIP_STORED)
        response = post(trainer_client, data)
        assert response.status_code == 422
        assert "larger than 1 MB" in response.get_data(as_text=True)
    finally:
        del app.config["COURSE_UPLOAD_MAX_MB"]


@pytest.mark.parametrize("name", ["modules/x.html", "modules/x.svg", "run.sh", "x.js"])
def test_unexpected_file_types_are_refused(trainer_client, tmp_path, name):
    tree = copy_tree(tmp_path)
    (tree / "intro-course" / name).parent.mkdir(parents=True, exist_ok=True)
    (tree / "intro-course" / name).write_text("<script>alert(1)</script>")
    response = post(trainer_client, zip_tree(tree))
    assert response.status_code == 422
    assert "file type not allowed" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_not_a_zip(trainer_client):
    response = post(trainer_client, b"this is not a zip")
    assert response.status_code == 422
    assert "not a valid .zip file" in response.get_data(as_text=True)
    response = post(trainer_client, b"PK", name="course.exe")
    assert "Upload a .zip file." in response.get_data(as_text=True)


def test_two_courses_in_one_zip_are_refused(trainer_client, tmp_path):
    tree = copy_tree(tmp_path)
    import shutil

    shutil.copytree(tree / "intro-course", tree / "second")
    response = post(trainer_client, zip_tree(tree))
    assert response.status_code == 422
    assert "the archive must hold one course" in response.get_data(as_text=True)


def test_upload_needs_a_csrf_token(csrf_enabled, trainer_client, good_zip):
    assert post(trainer_client, good_zip).status_code == 400
    assert counts() == (0, 0, 0)


def test_zip_with_a_bad_crc_is_refused_with_a_message(trainer_client, good_zip):
    """A damaged entry (bad CRC-32) is a clear problem, not a 500 (issue 11)."""
    data = bytearray(make_zip({"course.yaml": b"slug: x\n" * 50}, zipfile.ZIP_STORED))
    offset = bytes(data).index(b"slug: x") + 3
    data[offset] ^= 0xFF
    response = post(trainer_client, bytes(data))
    assert response.status_code == 422
    assert "damaged" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_nul_in_an_uploaded_module_is_a_problem(tmp_path, trainer_client):
    tree = copy_tree(tmp_path)
    module = next((tree / "intro-course/modules").glob("*.md"))
    module.write_text(module.read_text() + "\x00")
    response = post(trainer_client, zip_tree(tree / "intro-course"))
    assert response.status_code == 422
    assert "NUL character" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)
