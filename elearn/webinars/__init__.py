"""Webinars: scheduling, registration, attendance and iCalendar feeds."""
