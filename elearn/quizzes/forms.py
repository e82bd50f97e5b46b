"""The attempt form: answers arrive as ``q<question id>`` fields whose set depends on the attempt."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from elearn.quizzes import services


class AttemptAnswersForm:
    """Reads an attempt's answers and its per-attempt token from submitted form data.

    The fields are the attempt's own questions, so this is a small hand-written form rather
    than a WTForms class; choice values are positions as shown, mapped back per attempt.
    """

    def __init__(self, formdata, attempt, questions):
        self.formdata = formdata
        self.attempt = attempt
        self.questions = questions

    @property
    def token_ok(self) -> bool:
        return services.valid_attempt_token(self.attempt, self.formdata.get("attempt_token"))

    @property
    def answers(self) -> dict:
        values = {key: self.formdata.getlist(key) for key in self.formdata if key.startswith("q")}
        return services.coerce_answers(self.attempt, self.questions, values)


def time_percent_choices(with_default: bool = False) -> list[tuple[str, str]]:
    """The allowances as (value, label) pairs; ``""`` stands for the course's default."""
    from flask_babel import gettext as _

    labels = {
        100: _("Standard time (100%)"), 125: _("A quarter more (125%)"),
        150: _("Half as much again (150%)"), 200: _("Double time (200%)"),
        300: _("Triple time (300%)"), 1000: _("Ten times (1000%)"), 0: _("No time limit"),
    }
    choices = [(str(p), labels[p]) for p in services.TIME_PERCENT_CHOICES]
    return ([("", _("The course's default"))] + choices) if with_default else choices


class CourseTimeForm(FlaskForm):
    """The time every learner of the course gets on timed quizzes."""

    percent = SelectField(_l("Time on timed quizzes for every learner"), validators=[DataRequired()],
                          description=_l("In percent of each quiz's time limit."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="course", **kwargs)
        self.percent.choices = time_percent_choices()


class LearnerTimeForm(FlaskForm):
    """Extra time for one learner (e.g. an agreed accessibility adjustment)."""

    email = EmailField(_l("Learner's email"), validators=[DataRequired(), Length(max=254)],
                       description=_l("The learner must be enrolled in this course."))
    percent = SelectField(_l("Time on timed quizzes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="learner", **kwargs)
        self.percent.choices = time_percent_choices(with_default=True)
