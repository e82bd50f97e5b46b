"""Admin pages to edit audiences and regional centres."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.permissions import require
from elearn.reference import services
from elearn.reference.forms import AudienceForm, CentreForm
from elearn.reference.models import Audience, RegionalCentre

bp = Blueprint("reference", __name__, url_prefix="/admin")


@bp.route("/reference")
@require(Role.admin)
def index():
    return render_template(
        "reference/index.html", audiences=services.audiences(), centres=services.centres()
    )


@bp.route("/audiences/new", methods=["GET", "POST"], defaults={"audience_id": None})
@bp.route("/audiences/<int:audience_id>", methods=["GET", "POST"])
@require(Role.admin)
def edit_audience(audience_id: int | None):
    audience = db.session.get(Audience, audience_id) if audience_id else Audience()
    if audience is None:
        abort(404)
    others = db.session.scalars(sa.select(Audience.slug).where(Audience.id != audience.id))
    form = AudienceForm(obj=audience, existing_slugs=others)
    if form.validate_on_submit():
        form.populate_obj(audience)
        db.session.add(audience)
        db.session.flush()
        flash(_("The audience %(name)s was saved.", name=audience.name), "success")
        return redirect(url_for("reference.index"))
    heading = _("Edit the audience %(name)s", name=audience.name) if audience.id else _("Add an audience")
    return render_template("reference/edit.html", form=form, heading=heading), (
        400 if form.errors else 200
    )


@bp.route("/centres/new", methods=["GET", "POST"], defaults={"centre_id": None})
@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@require(Role.admin)
def edit_centre(centre_id: int | None):
    centre = db.session.get(RegionalCentre, centre_id) if centre_id else RegionalCentre()
    if centre is None:
        abort(404)
    others = db.session.scalars(sa.select(RegionalCentre.slug).where(RegionalCentre.id != centre.id))
    data = {"conventions": centre.conventions.split(",")} if centre.conventions else {}
    form = CentreForm(obj=centre, existing_slugs=others, data=data or None)
    if form.validate_on_submit():
        centre.slug = form.slug.data
        centre.name = form.name.data
        centre.conventions = ",".join(form.conventions.data)
        centre.host_country = form.host_country.data
        centre.city = form.city.data or ""
        db.session.add(centre)
        db.session.flush()
        flash(_("The regional centre %(name)s was saved.", name=centre.name), "success")
        return redirect(url_for("reference.index"))
    heading = (_("Edit the regional centre %(name)s", name=centre.name) if centre.id
               else _("Add a regional centre"))
    return render_template("reference/edit.html", form=form, heading=heading), (
        400 if form.errors else 200
    )
