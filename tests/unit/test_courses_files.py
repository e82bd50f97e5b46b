"""The course files checker: every error kind, with its file and line."""

from __future__ import annotations

import shutil

import pytest

from elearn.courses.files import check_tree, load_tree
from tests.courses_helpers import AUDIENCES, GOOD, copy_tree, edit


def problems_of(tree):
    return [str(p) for p in check_tree(tree, audiences=AUDIENCES)]


def test_the_good_tree_has_no_problem():
    specs, problems = load_tree(GOOD, audiences=AUDIENCES)
    assert problems == []
    (spec,) = specs
    assert spec.slug == "intro-course"
    assert [m.slug for m in spec.modules] == ["basics", "details", "wrap-up"]
    assert spec.conventions == ["basel", "stockholm"]
    assert spec.estimated_hours == 2.5
    assert list(spec.assets) == ["modules/img/map.png"]
    assert spec.assets["modules/img/map.png"].content_type == "image/png"
    assert [q.entry["slug"] for q in spec.quizzes] == ["check"]


def test_the_shipped_courses_check_clean(app):
    from elearn import ROOT

    specs, problems = load_tree(ROOT / "courses")
    assert problems == []
    assert len(specs) >= 3
    for spec in specs:
        assert spec.published and len(spec.modules) >= 5


def test_unknown_audience_is_reported_on_its_line(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "[customs-officer, nip-official]",
         "[customs-officer, pirates]")
    assert problems_of(tree) == ["intro-course/course.yaml:6: unknown audience 'pirates'"]


def test_unknown_convention_and_bad_types(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "intro-course/course.yaml"
    edit(path, "[basel, stockholm]", "[basel, minamata]")
    edit(path, "estimated_hours: 2.5", "estimated_hours: soon")
    edit(path, "published: true", "published: maybe")
    assert problems_of(tree) == [
        ("intro-course/course.yaml:5: unknown convention 'minamata' "
        "(use basel, rotterdam, stockholm)"),
        "intro-course/course.yaml:8: estimated_hours: must be a number of hours greater than 0",
        "intro-course/course.yaml:11: published: must be true or false",
    ]


def test_missing_keys(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "intro-course/course.yaml"
    edit(path, "title: Introduction to the conventions\n", "")
    edit(path, "summary: A short test course.\n", "tilte: typo\n")
    found = problems_of(tree)
    assert "intro-course/course.yaml:1: title: missing" in found
    assert "intro-course/course.yaml:1: summary: missing" in found
    assert "intro-course/course.yaml:2: unknown key 'tilte'" in found


def test_missing_module_file(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "intro-course/modules/03-wrap-up.md").unlink()
    assert problems_of(tree) == [
        "intro-course/course.yaml:21: missing module file modules/03-wrap-up.md"]


def test_duplicate_module_slug(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "slug: wrap-up", "slug: basics")
    assert problems_of(tree) == ["intro-course/course.yaml:19: duplicate module slug 'basics'"]


def test_duplicate_course_slug_across_the_tree(tmp_path):
    tree = copy_tree(tmp_path)
    shutil.copytree(tree / "intro-course", tree / "intro-course-copy")
    assert problems_of(tree) == [
        ("intro-course-copy/course.yaml:1: duplicate course slug 'intro-course' "
        "(also in intro-course/course.yaml)")]


def test_bad_yaml_reports_the_right_line(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "estimated_hours: 2.5", "estimated_hours: [2.5")
    (problem,) = check_tree(tree, audiences=AUDIENCES)
    assert problem.file == "intro-course/course.yaml"
    assert problem.line == 9  # line 8 opens a list the scanner finds unclosed on line 9
    assert problem.message.startswith("invalid YAML")


def test_duplicate_yaml_key(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "language: en\n", "language: en\nlanguage: fr\n")
    assert problems_of(tree) == ["intro-course/course.yaml:5: duplicate key 'language'"]


def test_broken_image_link_reports_the_module_line(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/modules/01-basics.md", "img/map.png", "img/missing.png")
    assert problems_of(tree) == [
        "intro-course/modules/01-basics.md:11: broken image link img/missing.png"]


def test_image_escaping_the_course_folder(tmp_path):
    tree = copy_tree(tmp_path)
    shutil.copy(tree / "intro-course/modules/img/map.png", tree / "outside.png")
    edit(tree / "intro-course/modules/01-basics.md", "img/map.png", "../../outside.png")
    assert problems_of(tree) == [
        "intro-course/modules/01-basics.md:11: image ../../outside.png escapes the course folder"]


def test_external_and_svg_images_are_refused(tmp_path):
    tree = copy_tree(tmp_path)
    module = tree / "intro-course/modules/02-details.md"
    (tree / "intro-course/modules/img/logo.svg").write_text("<svg><script>1</script></svg>")
    (tree / "intro-course/modules/img/fake.png").write_text("<html>not an image</html>")
    module.write_text("## Details\n\n![x](https://evil.example/x.png)\n\n![y](img/logo.svg)\n\n"
                      "![z](img/fake.png)\n")
    assert problems_of(tree) == [
        ("intro-course/modules/02-details.md:3: image https://evil.example/x.png is not in the "
        "course folder (keep images in the course folder, e.g. modules/img/)"),
        ("intro-course/modules/02-details.md:5: image img/logo.svg: only PNG, JPEG, GIF and WebP "
        "images are allowed"),
        "intro-course/modules/02-details.md:7: image img/fake.png is not a valid PNG file",
    ]


def test_missing_quiz_file_and_unknown_after(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "intro-course/course.yaml"
    edit(path, "after: details", "after: nowhere")
    (tree / "intro-course/quizzes/check.yaml").unlink()
    assert problems_of(tree) == [
        "intro-course/course.yaml:25: missing quiz file quizzes/check.yaml",
        "intro-course/course.yaml:26: after: 'nowhere' is not a module of this course",
    ]


def test_module_file_outside_the_course_folder(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "file: modules/03-wrap-up.md",
         "file: ../../etc/passwd.md")
    assert problems_of(tree) == [
        ("intro-course/course.yaml:21: module file '../../etc/passwd.md' is outside the course "
        "folder")]


def test_link_to_a_file_that_is_not_a_module(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/modules/01-basics.md", "02-details.md", "09-gone.md")
    assert problems_of(tree) == [
        ("intro-course/modules/01-basics.md:13: link 09-gone.md#top is not a module of this "
        "course")]


def test_a_folder_without_course_yaml_is_reported(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "stray").mkdir()
    assert problems_of(tree) == ["stray/course.yaml:0: course folder without a course.yaml"]


def test_every_problem_is_reported_at_once(tmp_path):
    tree = copy_tree(tmp_path)
    edit(tree / "intro-course/course.yaml", "nip-official", "sailors")
    (tree / "intro-course/modules/02-details.md").unlink()
    edit(tree / "intro-course/modules/01-basics.md", "img/map.png", "img/none.png")
    assert len(problems_of(tree)) == 3


# --- hostile files: a clear problem, never an exception (issue 11) ------------------------


BASE = "intro-course/course.yaml"


@pytest.mark.parametrize("old, new, expected", [
    ("conventions: [basel, stockholm]", "conventions: basel", f"{BASE}:5: conventions: must be a list"),
    ("audiences: [customs-officer, nip-official]", "audiences: customs-officer",
     f"{BASE}:6: audiences: must be a list"),
    ("conventions: [basel, stockholm]", "conventions: {a: 1}", f"{BASE}:5: conventions: must be a list"),
    ("after: details", "after: [details]", f"{BASE}:26: after: ['details'] is not a module of this course"),
    ("title: Check\n", "title: Check\n    score: [highest]\n", f"{BASE}:25: score: must be one of highest, last"),
])
def test_course_yaml_keys_of_the_wrong_shape(tmp_path, old, new, expected):
    tree = copy_tree(tmp_path)
    edit(tree / BASE, old, new)
    assert expected in problems_of(tree)


def test_course_yaml_missing_keys_or_modules(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / BASE).write_text("slug: intro-course\nmodules: abc\nquizzes: [1, [x], {slug: [x]}]\n")
    found = problems_of(tree)
    assert f"{BASE}:1: conventions: missing" in found
    assert f"{BASE}:2: modules: must be a list" in found
    (tree / BASE).write_text("? [a, b]\n: c\n")
    assert f"{BASE}:1: slug: missing" in problems_of(tree)


def test_nul_and_deep_nesting_in_course_yaml(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / BASE
    path.write_text(path.read_text().replace("title: Intro", "title: In\x00tro"))
    assert problems_of(tree) == [f"{BASE}:2: NUL character (byte 0) in the text; remove it"]
    path.write_text("[" * 5000)
    assert problems_of(tree) == [f"{BASE}:0: invalid YAML: nested too deeply"]
    path.write_text("a: " + "{a: " * 3000)
    assert problems_of(tree) == [f"{BASE}:0: invalid YAML: nested too deeply"]


def test_nul_in_a_module_or_quiz_file(tmp_path):
    tree = copy_tree(tmp_path)
    module = next((tree / "intro-course/modules").glob("01-*.md"))
    module.write_text("# Title\n\nText\x00\n")
    assert "intro-course/modules/01-basics.md:3: NUL character (byte 0) in the text; remove it" \
        in problems_of(tree)
    tree = copy_tree(tmp_path / "again")
    quiz = tree / "intro-course/quizzes/check.yaml"
    quiz.write_text("title: \x00\n" + quiz.read_text())
    assert any("check.yaml:1: NUL character" in p for p in problems_of(tree))
    quiz.write_text("[" * 5000)
    assert any("nested too deeply" in p for p in problems_of(tree))
