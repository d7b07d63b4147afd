"""Buttons, selects and modals of the groups feature.

Buttons that must keep working after a restart are `PersistentButton`s (bot/kit/buttons.py):
their custom id carries what they act on (`groups:join:12`), and the state comes from the
database when they are pressed. They reach the feature through `GroupsActions`, the few things
they ask of it.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.checks import Audience
from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.tree import translator
from bot.ui import BaseModal, BaseView, loaded_cog
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
    PersistentButton,
    prefix="groups:join",
    fields={"group": int},
    style=discord.ButtonStyle.primary,
):
    """A Join button for one group: on the groups panel and in the directory."""

    group: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await groups_cog(interaction).join_by_id(interaction, self.group)


class OfferButton(
    PersistentButton, prefix="groups:offer", fields={"action": ("accept", "decline"), "entry": int}
):
    """Accept or decline a waitlist seat offer (in the member's direct messages). The service
    checks that the offer is theirs."""

    action: str
    entry: int

    @classmethod
    def make(cls, action: str, entry_id: int, label: str) -> OfferButton:
        style = discord.ButtonStyle.success if action == "accept" else None
        return cls(action=action, entry=entry_id, label=label, style=style)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        cog = groups_cog(interaction)
        if self.action == "accept":
            await cog.accept_offer(interaction, self.entry)
        else:
            await cog.decline_offer(interaction, self.entry)


class RequestButton(
    PersistentButton,
    prefix="groups:request",
    fields={"action": ("approve", "decline"), "request": int},
):
    """Approve or decline a join request (in the group's leaders' channel). The join flow
    checks that the one pressing leads the request's group."""

    action: str
    request: int

    @classmethod
    def make(cls, action: str, request_id: int, label: str) -> RequestButton:
        style = discord.ButtonStyle.success if action == "approve" else None
        return cls(action=action, request=request_id, label=label, style=style)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        cog = groups_cog(interaction)
        if self.action == "approve":
            await cog.approve_request(interaction, self.request)
        else:
            await cog.ask_decline_reason(interaction, self.request)


class RecreateButton(
    PersistentButton,
    prefix="groups:recreate",
    fields={"group": int},
    audience=Audience.MODERATOR,
    style=discord.ButtonStyle.primary,
):
    """Under a "role or channel deleted" notice: recreate what is missing (moderators)."""

    group: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await groups_cog(interaction).recreate(interaction, self.group)


# Buttons already posted in Discord carry these custom ids: groups:join:<group>,
# groups:offer:accept|decline:<entry>, groups:request:approve|decline:<request>,
# groups:recreate:<group>. Keep them.
PERSISTENT_ITEMS = (JoinButton, OfferButton, RequestButton, RecreateButton)


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
        view.add_item(JoinButton(group=group.id, label=t("Join {group}", group=group.name)))
        await interaction.response.send_message(
            embed=render.group_embed(group, t), view=view, ephemeral=True
        )
