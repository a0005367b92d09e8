"""Strictness levels. Each level includes every check of the levels below it."""

from __future__ import annotations

from enum import StrEnum


class Profile(StrEnum):
    """A strictness level: ``sdk`` < ``authlete`` < ``ciba``."""

    SDK = "sdk"
    AUTHLETE = "authlete"
    CIBA = "ciba"

    @property
    def rank(self) -> int:
        """Position in the order of strictness (0 is the loosest)."""
        return _ORDER.index(self)

    def includes(self, other: Profile) -> bool:
        """Whether checking at this level also runs the checks of ``other``."""
        return other.rank <= self.rank

    @classmethod
    def parse(cls, value: str | Profile) -> Profile:
        """Read a level name, with an error that lists the valid ones."""
        if isinstance(value, Profile):
            return value
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown profile {value!r}; expected one of {names}") from None


_ORDER = (Profile.SDK, Profile.AUTHLETE, Profile.CIBA)
