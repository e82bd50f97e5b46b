"""Account pages: register, login, logout, profile, password change and reset, admin users."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from elearn.accounts import services
from elearn.accounts.forms import (
    AdminUserForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from elearn.accounts.models import Role, User
from elearn.extensions import db, limiter
from elearn.inputs import page_arg
from elearn.loaders import load_person
from elearn.mail import send_mail
from elearn.permissions import require
from elearn.urls import absolute_url, is_safe_next

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


def _per_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _per_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _next_url(default: str = "core.home") -> str:
    target = request.args.get("next")
    return target if is_safe_next(target) else url_for(default)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_per_address_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = form.save()
        login_user(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/register.html", form=form), (400 if form.errors else 200)


def _failed_login(response) -> bool:
    """Only failed logins (401) count toward the login limits: a correct password never locks
    its owner out, and a guesser cannot lock an account by logging in."""
    return response.status_code == 401


def _login_address_key() -> str:
    return "login-address:" + (request.remote_addr or "")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_address_limit, key_func=_login_address_key, methods=["POST"],
               deduct_when=_failed_login)
@limiter.limit(_per_account_limit, key_func=_login_account_key, methods=["POST"],
               deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_next_url())
        current_app.logger.warning("failed login from %s", request.remote_addr)
        error = _("The email or the password is wrong.")
    status = 401 if error else (400 if form.errors else 200)
    return render_template("accounts/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = db.session.get(User, current_user.id)
        user.rotate_session_token()  # a copied session or remember cookie stops working
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/profile", methods=["GET", "POST"])
@require()
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(user)
    if form.validate_on_submit():
        old_email = user.email if form.email_changed else None
        form.save()
        if old_email is not None:
            user.rotate_session_token()  # every other session ends; pending reset links die
        if old_email is not None:
            login_user(user)  # this session continues with the new token
            send_mail(
                old_email,
                _("Your elearn email address was changed"),
                _("The email address of your elearn account was changed from %(old)s to "
                  "%(new)s.\n\nIf you did not do this, tell the platform administrators at once.",
                  old=old_email, new=user.email),
            )
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), (400 if form.errors else 200)


@bp.route("/profile/password", methods=["GET", "POST"])
@require()
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        login_user(user)  # this session continues with the new token; all others end
        flash(_("Your password is changed. Other sessions were logged out."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form), (400 if form.errors else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_per_address_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.get_user_by_email(form.email.data)
        if user is not None and user.active:
            # from ELEARN_BASE_URL, never the Host header (a forged Host would poison the mail)
            link = absolute_url("accounts.reset_password", token=services.make_reset_token(user))
            with force_locale(user.locale or current_app.config["DEFAULT_LOCALE"]):
                send_mail(
                    user.email,
                    _("Reset your elearn password"),
                    _("Open this link within two hours to choose a new password:\n\n%(link)s\n\n"
                      "If you did not ask for this, ignore this message.", link=link),
                )
        flash(_("If an account exists for this address, we sent it a link to reset the password."),
              "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), (400 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        flash(_("Your password is set. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), (400 if form.errors else 200)


@bp.route("/admin/users")
@require(Role.admin)
def admin_users():
    search = request.args.get("q", "").strip()
    page = page_arg()
    query = sa.select(User).order_by(User.email)
    if search:
        query = query.where(services.people_search(User.name, User.email, search))
    users = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template("accounts/admin_users.html", users=users, search=search)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(Role.admin)
def admin_edit_user(user_id: int):
    user = load_person(user_id)
    form = AdminUserForm(user)
    if form.validate_on_submit():
        form.save()
        flash(_("Saved the account of %(email)s.", email=user.email), "success")
        # back to the list as the admin left it (search and page kept)
        return redirect(url_for("accounts.admin_users", q=request.args.get("q") or None,
                                page=request.args.get("page", type=int)))
    return render_template("accounts/admin_user.html", form=form, user=user), (
        400 if form.errors else 200
    )
