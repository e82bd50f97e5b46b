"""The profile page for personal API tokens (the reports API): create, list and revoke."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from elearn.permissions import ensure, require
from elearn.reports import tokens
from elearn.reports.blueprint import bp
from elearn.reports.forms import RevokeForm, TokenForm


def _no_store(response_and_status):
    body, status = response_and_status
    response = Response(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/tokens", methods=["GET", "POST"])
@require()
def tokens_page():
    user = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        if tokens.active_token_count(user) >= tokens.MAX_ACTIVE_TOKENS:
            form.name.errors.append(
                ngettext("You have %(num)s active token. Revoke it first.",
                         "You have %(num)s active tokens. Revoke one first.",
                         tokens.MAX_ACTIVE_TOKENS)
            )
        else:
            _token, new_token = tokens.create_token(user, form.name.data)
            form = TokenForm(formdata=None)
    status = 400 if form.errors else (201 if new_token else 200)
    return _no_store((render_template(
        "reports/tokens.html", form=form, tokens=tokens.user_tokens(user), new_token=new_token,
        revoke_form=RevokeForm(),
    ), status))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@require()
def revoke_token(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    token = tokens.revoke_token(current_user._get_current_object(), token_id)
    ensure(token is not None)
    flash(_("The token %(prefix)s… is revoked.", prefix=token.prefix), "success")
    return redirect(url_for("reports.tokens_page"))
