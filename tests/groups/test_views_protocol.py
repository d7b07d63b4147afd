"""The groups buttons depend on `GroupsActions`, not on the cog: the cog must still offer it."""

from __future__ import annotations

import inspect

from cogs.groups.cog import GroupsCog
from cogs.groups.views import GroupsActions

_: type[GroupsActions] = GroupsCog  # pyright checks the shapes


def test_the_groups_cog_has_what_its_buttons_ask() -> None:
    asked = [name for name in vars(GroupsActions) if not name.startswith("_")]
    assert asked
    for name in asked:
        wanted = inspect.signature(getattr(GroupsActions, name))
        offered = inspect.signature(getattr(GroupsCog, name))
        assert list(offered.parameters) == list(wanted.parameters), name
