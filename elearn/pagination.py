"""Page-number navigation shared by paginated result objects."""

from __future__ import annotations


class PageNavigation:
    """Mixin for objects with ``page`` and ``pages``: the attributes the
    ``pagination`` template macro reads (same names as Flask-SQLAlchemy's Pagination)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
