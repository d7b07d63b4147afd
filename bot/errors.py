"""Errors whose message a member may read. No discord import: services raise these.

The message is an English msgid for the translation layer, with `str.format` fields filled from
`params` after translation, so the reader gets it in their own language.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the person can fix: shown to them privately, kindly, in their language."""

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotAllowed(UserError):
    """The caller lacks the role this action needs."""


class NotFound(UserError):
    """What the caller named does not exist (any more)."""


class NotConfigured(UserError):
    """A server setting this action needs has not been set with /setup yet."""
