"""Courses: course files, the catalog and the module reader."""
