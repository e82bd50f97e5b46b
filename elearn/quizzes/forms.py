"""The attempt form: answers arrive as ``q<question id>`` fields whose set depends on the attempt."""

from __future__ import annotations

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
