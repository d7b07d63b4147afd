"""Logs say what happened, not to whom (issue 18; PRIVACY.md).

The bot's own log lines name no member above DEBUG: a case, a group, a server or a channel by
its id, and the member's id, when it helps debugging, on a DEBUG line of its own. Libraries do
not know that rule: discord.py warns "We are being rate limited. PUT .../guilds/1/members/42/
roles/7 responded with 429", which ties member 42 to a group's role. `MemberIdsHidden`, set on
discord.py's HTTP logger by `python -m bot` (bot/__main__.py, `setup_logging`), keeps the line
and hides the member's id in the address.
"""

from __future__ import annotations

import logging
import re

# A member in a Discord API address: /members/ID, /users/ID (not @me), /recipients/ID,
# /thread-members/ID, /bans/ID.
_MEMBER_IN_ROUTE = re.compile(r"/(members|users|recipients|thread-members|bans)/\d+")
LIBRARY_LOGGERS = ("discord.http",)


def hide_member_ids(text: str) -> str:
    return _MEMBER_IN_ROUTE.sub(r"/\1/(a member)", text)


class MemberIdsHidden(logging.Filter):
    """Rewrites a record at INFO or above so that no Discord address in it names a member."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return True
        message = record.getMessage()
        hidden = hide_member_ids(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def hide_member_ids_in_libraries() -> None:
    """Called once by `setup_logging`; a second call adds nothing."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MemberIdsHidden) for f in logger.filters):
            logger.addFilter(MemberIdsHidden())
