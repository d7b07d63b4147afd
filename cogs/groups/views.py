"""Buttons, selects and modals of the groups feature.

Buttons that must keep working after a restart are DynamicItems: their custom id carries what
they act on (`groups:join:12`), and the state comes from the database when they are pressed.
They reach the feature through `GroupsActions`, the few things they ask of it.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.i18n import Translate
from bot.tree import translator
from bot.ui import BaseModal, BaseView, guarded, loaded_cog
from cogs.groups import render
from cogs.groups.records import Group

PAGE_SIZE = 5


class GroupsActions(Protocol):
    """What the groups feature's buttons and modal ask of the feature (GroupsCog has these)."""

    async def join_by_id(self, interaction: discord.Interaction[Any], group_id: int) -> None: ...

    async def accept_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None: ...

    async def decline_offer(self, interaction: discord.Interaction[Any], entry_id: int) -> None: ...

    async def approve_request(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> None: ...

    async def ask_decline_reason(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> None: ...

    async def decline_request(
        self, interaction: discord.Interaction[Any], request_id: int, reason: str | None
    ) -> None: ...

    async def recreate(self, interaction: discord.Interaction[Any], group_id: int) -> None: ...


def groups_cog(interaction: discord.Interaction[Any]) -> GroupsActions:
    return cast(GroupsActions, loaded_cog(interaction, "Groups"))


class JoinButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"groups:join:(?P<group>\d+)"
):
    """A Join button for one group: on the groups panel and in the directory."""

    def __init__(self, group_id: int, label: str = "Join") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"groups:join:{group_id}",
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> JoinButton:
        return cls(int(match["group"]), item.label or "Join")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await groups_cog(interaction).join_by_id(interaction, self.group_id)


class OfferButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"groups:offer:(?P<action>accept|decline):(?P<entry>\d+)",
):
    """Accept or decline a waitlist seat offer (in the member's direct messages)."""

    def __init__(self, action: str, entry_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=(
                    discord.ButtonStyle.success
                    if action == "accept"
                    else discord.ButtonStyle.secondary
                ),
                custom_id=f"groups:offer:{action}:{entry_id}",
            )
        )
        self.action = action
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> OfferButton:
        return cls(match["action"], int(match["entry"]), item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = groups_cog(interaction)
        if self.action == "accept":
            await cog.accept_offer(interaction, self.entry_id)
        else:
            await cog.decline_offer(interaction, self.entry_id)


class RequestButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"groups:request:(?P<action>approve|decline):(?P<request>\d+)",
):
    """Approve or decline a join request (in the group's leaders' channel)."""

    def __init__(self, action: str, request_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=(
                    discord.ButtonStyle.success
                    if action == "approve"
                    else discord.ButtonStyle.secondary
                ),
                custom_id=f"groups:request:{action}:{request_id}",
            )
        )
        self.action = action
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> RequestButton:
        return cls(match["action"], int(match["request"]), item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = groups_cog(interaction)
        if self.action == "approve":
            await cog.approve_request(interaction, self.request_id)
        else:
            await cog.ask_decline_reason(interaction, self.request_id)


class RecreateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"groups:recreate:(?P<group>\d+)",
):
    """Under a "role or channel deleted" notice: recreate what is missing (moderators)."""

    def __init__(self, group_id: int, label: str = "Recreate") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"groups:recreate:{group_id}",
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> RecreateButton:
        return cls(int(match["group"]), item.label or "Recreate")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await groups_cog(interaction).recreate(interaction, self.group_id)


DYNAMIC_ITEMS = (JoinButton, OfferButton, RequestButton, RecreateButton)


class DeclineModal(BaseModal):
    """Decline a join request, with an optional kind reason sent to the member."""

    def __init__(self, request_id: int, t: Translate) -> None:
        super().__init__(title=t("Decline this request")[:45], timeout=900)
        self.request_id = request_id
        self.reason: discord.ui.TextInput[DeclineModal] = discord.ui.TextInput(
            label=t("A kind reason for the member (optional)")[:45],
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=500,
            placeholder=t("For example: this group is for caregivers; you may like …")[:100],
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await groups_cog(interaction).decline_request(
            interaction, self.request_id, self.reason.value
        )


class DirectoryView(BaseView):
    """/group list: the directory, a page of groups at a time, and a select to open one."""

    def __init__(self, groups: list[Group], t: Translate, owner_id: int) -> None:
        super().__init__(timeout=600)
        self.groups = groups
        self.t = t
        self.owner_id = owner_id
        self.page = 0
        self._build()

    @property
    def pages(self) -> int:
        return max(1, (len(self.groups) + PAGE_SIZE - 1) // PAGE_SIZE)

    def page_groups(self) -> list[Group]:
        return self.groups[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]

    def embed(self) -> discord.Embed:
        return render.directory_embed(self.page_groups(), self.page, self.pages, self.t)

    def _build(self) -> None:
        self.clear_items()
        t = self.t
        current = self.page_groups()
        if current:
            select: discord.ui.Select[DirectoryView] = discord.ui.Select(
                placeholder=t("Pick a group to see more and join"),
                options=[
                    discord.SelectOption(
                        label=g.name[:100],
                        value=str(g.id),
                        description=(g.topic or g.description or "")[:100] or None,
                    )
                    for g in current
                ],
                custom_id="groups:directory:pick",
            )
            select.callback = self._picked
            self.add_item(select)
        previous: discord.ui.Button[DirectoryView] = discord.ui.Button(
            label=t("Previous"), disabled=self.page == 0, custom_id="groups:directory:prev"
        )
        previous.callback = self._previous
        following: discord.ui.Button[DirectoryView] = discord.ui.Button(
            label=t("Next"),
            disabled=self.page >= self.pages - 1,
            custom_id="groups:directory:next",
        )
        following.callback = self._next
        self.add_item(previous)
        self.add_item(following)

    async def _previous(self, interaction: discord.Interaction[Any]) -> None:
        self.page = max(0, self.page - 1)
        self._build()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        self._build()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    async def _picked(self, interaction: discord.Interaction[Any]) -> None:
        values = (interaction.data or {}).get("values") or []
        group = next((g for g in self.groups if str(g.id) == (values[0] if values else "")), None)
        if group is None:
            await interaction.response.defer()
            return
        t = await translator(interaction)
        view = BaseView(timeout=600)
        view.add_item(JoinButton(group.id, t("Join {group}", group=group.name)))
        await interaction.response.send_message(
            embed=render.group_embed(group, t), view=view, ephemeral=True
        )
