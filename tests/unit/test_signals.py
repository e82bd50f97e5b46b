"""Every event of elearn.signals has its receivers once the app is built, whatever page or
command runs first (a receiver that is not connected would silently skip completion,
certificates or renewals)."""

from __future__ import annotations

from elearn import signals


def _receivers(signal) -> set[str]:
    return {f"{r.__module__}.{r.__name__}" for r in signal.receivers_for(object())}


def test_the_app_connects_every_receiver(app):
    assert _receivers(signals.attempt_graded) == {
        "elearn.enrolments.completion._recompute_on_activity"}
    assert _receivers(signals.attendance_recorded) == {
        "elearn.enrolments.completion._recompute_on_activity"}
    assert _receivers(signals.course_completed) == {
        "elearn.certificates.services._issue_on_completion"}
    assert _receivers(signals.final_assessment_passed_again) == {
        "elearn.certificates.renewal._renew_on_final_assessment"}


def test_a_completed_course_issues_its_certificate_through_the_signal(app, learner, trainer):
    from elearn.certificates.services import certificate_of
    from elearn.enrolments import services as enrolments
    from tests import factories

    course = factories.make_course(owner=trainer, modules=1)
    enrolment = enrolments.enrol(learner, course)
    sent = []

    def spy(sender, **_extra):
        sent.append(sender)

    signals.course_completed.connect(spy, weak=False)
    try:
        enrolments.mark_module_done(enrolment, course.modules[0])
    finally:
        signals.course_completed.disconnect(spy)
    assert sent == [enrolment]
    assert certificate_of(learner.id, course.id) is not None
