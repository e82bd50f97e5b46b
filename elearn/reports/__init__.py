"""Regional centre dashboards, exports and the read-only API."""
