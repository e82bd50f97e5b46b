"""Events one feature announces and others act on, so that a feature never calls up into the
features built on it (Flask's blinker ``Namespace``, as Indico uses it).

Receivers run synchronously, in the sender's request and transaction, and in the order they
connected; like services they flush and never commit. They connect when their module is
imported; the app factory imports every module with receivers (``configure_signals``), so none
is missed whichever page ran first.
"""

from __future__ import annotations

from flask.signals import Namespace

_signals = Namespace()

#: sender: the quiz; ``enrolment``: the learner's active (or completed) enrolment in its course.
#: Sent after an attempt was graded. Completion recomputes the learner's progress.
attempt_graded = _signals.signal("attempt-graded")

#: sender: the quiz (its course's final assessment); ``user_id``, ``now``.
#: Sent after a learner who had already completed the course passed its final assessment again,
#: once the progress is recomputed. Certificates renew the learner's certificate.
final_assessment_passed_again = _signals.signal("final-assessment-passed-again")

#: sender: the webinar; ``enrolment``: an attendee's enrolment in the webinar's course.
#: Sent for each registration whose attendance changed. Completion recomputes the progress.
attendance_recorded = _signals.signal("attendance-recorded")

#: sender: the enrolment that has just become completed (status, date and progress set).
#: Certificates issue the course's certificate.
course_completed = _signals.signal("course-completed")

#: sender: the session whose commit included mail rows (elearn.outbox). Sent after that commit
#: (the transaction is over); the queue wakes a worker so the mail leaves within seconds.
mail_committed = _signals.signal("mail-committed")
