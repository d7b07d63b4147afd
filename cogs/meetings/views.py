"""Buttons of the meetings feature.

RSVP buttons live on announcements for weeks, so they are DynamicItems: the custom id carries the
session (`meetings:rsvp:42:going`) and everything else comes from the database when pressed. The
schedule preview's Confirm / Cancel is a plain view: it holds the unsaved draft, belongs to the
leader who asked, and expires with the preview.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.errors import UserError
from bot.i18n import N_, Translate
from bot.ui import BaseView, guarded, loaded_cog
from cogs.meetings.models import GOING, MAYBE, NO
from cogs.meetings.rules import Counts, Draft

COG_NAME = "Meetings"
PREVIEW_TIMEOUT = 15 * 60


class MeetingActions(Protocol):
    """What the buttons need from the meetings cog: what pressing each one does."""

    async def answer_rsvp(
        self, interaction: discord.Interaction[Any], occurrence_id: int, answer: str
    ) -> None: ...

    async def show_who(self, interaction: discord.Interaction[Any], occurrence_id: int) -> None: ...

    async def confirm_draft(self, interaction: discord.Interaction[Any], draft: Draft) -> None: ...

    async def cancel_draft(self, interaction: discord.Interaction[Any]) -> None: ...


def meetings_cog(interaction: discord.Interaction[Any]) -> MeetingActions:
    return cast(MeetingActions, loaded_cog(interaction, COG_NAME))


ANSWER_STYLE = {
    GOING: discord.ButtonStyle.success,
    MAYBE: discord.ButtonStyle.secondary,
    NO: discord.ButtonStyle.secondary,
}


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"meetings:rsvp:(?P<occ>\d+):(?P<answer>going|maybe|no)",
):
    """Going / Maybe / Can't go on a session's announcement (members of the group)."""

    def __init__(self, occurrence_id: int, answer: str, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=(label or answer)[:80],
                style=ANSWER_STYLE.get(answer, discord.ButtonStyle.secondary),
                custom_id=f"meetings:rsvp:{occurrence_id}:{answer}",
            )
        )
        self.occurrence_id = occurrence_id
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> RsvpButton:
        return cls(int(match["occ"]), match["answer"], item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).answer_rsvp(interaction, self.occurrence_id, self.answer)


class WhoButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"meetings:who:(?P<occ>\d+)",
):
    """ "Who's coming": the names, privately, for the group's leaders and moderators only."""

    def __init__(self, occurrence_id: int, label: str = "Who's coming") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"meetings:who:{occurrence_id}",
            )
        )
        self.occurrence_id = occurrence_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> WhoButton:
        return cls(int(match["occ"]), item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).show_who(interaction, self.occurrence_id)


DYNAMIC_ITEMS = (RsvpButton, WhoButton)


def rsvp_view(occurrence_id: int, counts: Counts, t: Translate) -> BaseView:
    view = BaseView(timeout=None)
    view.add_item(RsvpButton(occurrence_id, GOING, t("Going ({n})", n=counts.going)))
    view.add_item(RsvpButton(occurrence_id, MAYBE, t("Maybe ({n})", n=counts.maybe)))
    view.add_item(RsvpButton(occurrence_id, NO, t("Can't go ({n})", n=counts.no)))
    view.add_item(WhoButton(occurrence_id, t("Who's coming")))
    return view


class PreviewView(BaseView):
    """Confirm / Cancel under a schedule preview. Nothing is saved before Confirm."""

    def __init__(self, draft: Draft, owner_id: int, t: Translate) -> None:
        super().__init__(timeout=PREVIEW_TIMEOUT)
        self.draft = draft
        self.owner_id = owner_id
        confirm: discord.ui.Button[PreviewView] = discord.ui.Button(
            label=t("Confirm"), style=discord.ButtonStyle.success
        )
        cancel: discord.ui.Button[PreviewView] = discord.ui.Button(
            label=t("Cancel"), style=discord.ButtonStyle.secondary
        )
        confirm.callback = self._confirm
        cancel.callback = self._cancel
        self.add_item(confirm)
        self.add_item(cancel)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id:
            raise UserError(N_("Only the person who asked can confirm this."))
        return True

    async def _confirm(self, interaction: discord.Interaction[Any]) -> None:
        self.stop()
        await meetings_cog(interaction).confirm_draft(interaction, self.draft)

    async def _cancel(self, interaction: discord.Interaction[Any]) -> None:
        self.stop()
        await meetings_cog(interaction).cancel_draft(interaction)
