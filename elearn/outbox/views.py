"""/admin/mail: the outbox for admins (pending and failed mail, retry)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.inputs import page_arg
from elearn.outbox import services
from elearn.outbox.models import OutboxStatus
from elearn.permissions import require

bp = Blueprint("outbox", __name__)


@bp.route("/admin/mail")
@require(Role.admin)
def index():
    show = request.args.get("show", "waiting")
    statuses = [OutboxStatus.failed] if show == "failed" else list(services.WAITING)
    page = page_arg()  # bounded: a huge ?page= is not an overflow
    messages = db.paginate(services.messages_query(statuses), page=page, per_page=50,
                           error_out=False)
    return render_template("outbox/index.html", messages=messages, counts=services.counts(),
                           show="failed" if show == "failed" else "waiting", Status=OutboxStatus)


@bp.route("/admin/mail/retry", methods=["POST"])
@require(Role.admin)
def retry():
    raw = request.form.get("id")
    if raw is not None and not raw.isdigit():
        abort(400)
    ids = [int(raw)] if raw is not None else None  # no id: every failed message
    count = services.retry(ids)
    db.session.flush()
    flash(ngettext("%(num)d message will be sent again.", "%(num)d messages will be sent again.",
                   count), "success")
    return redirect(url_for("outbox.index", show="failed"))
