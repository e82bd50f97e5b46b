"""The OpenAPI 3 description of /api/v1 (a test checks it against the app's routes)."""

from __future__ import annotations

from copy import deepcopy


def _string(fmt: str | None = None, nullable: bool = False) -> dict:
    schema: dict = {"type": ["string", "null"] if nullable else "string"}
    if fmt:
        schema["format"] = fmt
    return schema


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }


INTEGER = {"type": "integer"}
MAX_ID = 2**31 - 1
BOOLEAN = {"type": "boolean"}

SCHEMAS = {
    "Error": _object({"error": INTEGER, "message": {"type": "string"}}),
    "Course": _object({
        "id": INTEGER, "slug": _string(), "title": _string(), "summary": _string(),
        "language": _string(),
        "conventions": {"type": "array",
                        "items": {"type": "string", "enum": ["basel", "rotterdam", "stockholm"]}},
        "webinar_required": BOOLEAN, "published": BOOLEAN,
    }),
    "Enrolment": _object({
        "id": INTEGER,
        "user": _object({
            "id": INTEGER, "name": _string(), "email": _string(), "country": _string(),
            "audience": _string(), "centre": _string(nullable=True),
        }),
        "course": _object({"id": INTEGER, "slug": _string(), "title": _string()}),
        "status": {"type": "string", "enum": ["active", "completed", "withdrawn"]},
        "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "enrolled_at": _string("date-time"),
        "completed_at": _string("date-time", nullable=True),
        "certificate_code": _string(nullable=True),
    }),
    "Certificate": _object({
        "id": INTEGER, "code": _string(),
        "user": _object({"id": INTEGER, "name": _string(), "email": _string()}),
        "course": _object({"id": INTEGER, "slug": _string()}),
        "issued_at": _string("date-time"),
        "revoked_at": _string("date-time", nullable=True),
        "verify_url": _string("uri"),
    }),
    "Webinar": _object({
        "id": INTEGER, "uid": _string(), "title": _string(),
        "course": _string(nullable=True), "start": _string("date-time"),
        "timezone": _string(), "duration_minutes": INTEGER,
        "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
        "rrule": _string(nullable=True),
    }),
}

PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "required": False,
     "description": "Items per page (default 50).",
     "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "Opaque cursor from the `next` link of the previous page.",
     "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,200}$"}},
]
CENTRE = {"name": "centre", "in": "query", "required": False,
          "description": "Regional centre id. Admins: any centre; coordinators: only their own "
                         "(another centre answers 404); trainers: a filter on their courses.",
          "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
COURSE = {"name": "course", "in": "query", "required": False, "description": "Course id.",
          "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
STATUS = {"name": "status", "in": "query", "required": False,
          "schema": {"type": "string", "enum": ["active", "completed", "withdrawn"]}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _list_operation(summary: str, item: str, parameters: list, operation_id: str,
                    not_found: bool = False) -> dict:
    responses = {
        "200": {
            "description": f"A page of {item.lower()}s.",
            "content": {"application/json": {"schema": _object({
                "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
                "next": {"type": ["string", "null"], "format": "uri",
                         "description": "URL of the next page, null on the last page."},
            })}},
        },
        "400": _error("An argument is not valid."),
        "401": _error("No valid token."),
        "429": _error("Too many requests."),
    }
    if not_found:
        responses["404"] = _error("The centre does not exist or is not the caller's.")
    return {
        "summary": summary, "operationId": operation_id,
        "parameters": [*parameters, *PAGE_PARAMETERS],
        "security": [{"bearerAuth": []}], "responses": responses,
    }


PATHS = {
    "/openapi.json": {"get": {
        "summary": "This document.", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
    "/courses": {"get": _list_operation(
        "Courses: published ones (trainers also their own, admins all).", "Course", [],
        "listCourses")},
    "/enrolments": {"get": _list_operation(
        "Enrolments with progress and completion, in the caller's scope: a coordinator's "
        "centre, an admin's choice of centre, a trainer's courses, a learner's own.",
        "Enrolment", [CENTRE, COURSE, STATUS], "listEnrolments", not_found=True)},
    "/certificates": {"get": _list_operation(
        "Certificates, in the same scope as enrolments.", "Certificate", [CENTRE, COURSE],
        "listCertificates", not_found=True)},
    "/webinars": {"get": _list_operation(
        "Public webinars (and the caller's own).", "Webinar", [COURSE], "listWebinars")},
}


def openapi_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "elearn API", "version": "1.0.0",
            "description": "Read-only access for regional centres and national systems. "
                           "Create a personal access token on your profile page and send it as "
                           "`Authorization: Bearer <token>`.",
        },
        "servers": [{"url": server_url}],
        "paths": deepcopy(PATHS),
        "components": {
            "schemas": deepcopy(SCHEMAS),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }
