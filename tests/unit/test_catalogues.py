"""Every message a user can see is translated into every interface language.

The template is extracted afresh from the code and templates with babel.cfg (Babel's own
extraction, as `make translations` runs it), so a string marked later and not translated
makes this test fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from elearn.config import LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = sorted(code for code in LANGUAGES if code != "en")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "lazy_gettext",
        "-k", "_l", "-k", "N_", "--no-location", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as handle:
        return read_po(handle)


def _catalogue(code):
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def test_extraction_finds_the_interface(template):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in template}
    assert "Log in" in ids  # a template string
    assert "Courses" in ids  # a Python string
    assert len(template) > 300


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(template, code):
    catalogue = _catalogue(code)
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id, message.context)
        label = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(f"missing: {label!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        elif message.pluralizable:
            forms = found.string if isinstance(found.string, (list, tuple)) else (found.string,)
            if len(forms) != catalogue.num_plurals or not all(forms):
                problems.append(f"plural forms {len(forms)}/{catalogue.num_plurals}: {label!r}")
        elif not found.string:
            problems.append(f"untranslated: {label!r}")
    assert not problems, f"{code}: {len(problems)} problems\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_survive_translation(code):
    """A translation keeps the %(name)s placeholders of its source (Babel's own checks)."""
    errors = [
        f"{message.id!r}: {'; '.join(str(error) for error in message_errors)}"
        for message, message_errors in _catalogue(code).check()
    ]
    assert not errors, "\n".join(errors[:20])


def test_arabic_has_six_plural_forms():
    assert _catalogue("ar").num_plurals == 6


def test_every_language_has_a_catalogue():
    for code in TRANSLATED:
        assert (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").exists(), code
