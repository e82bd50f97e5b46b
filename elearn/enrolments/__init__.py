"""Enrolments, module progress and completion."""
