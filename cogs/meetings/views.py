"""Buttons of the meetings feature.

RSVP buttons live on announcements for weeks, so they are persistent buttons
(bot/kit/buttons.py): the custom id carries the session (`meetings:rsvp:42:going`,
`meetings:who:42`, the same ids as before the kit, so buttons already posted keep working) and
everything else comes from the database when pressed. The schedule preview's Confirm / Cancel
is a plain view: it holds the unsaved draft, belongs to the leader who asked, and expires with
the preview.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.errors import UserError
from bot.i18n import N_, Translate
from bot.kit.buttons import PersistentButton
from bot.ui import BaseView, loaded_cog
from cogs.meetings.models import ANSWERS, GOING, MAYBE, NO
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


class RsvpButton(
    PersistentButton, prefix="meetings:rsvp", fields={"occurrence": int, "answer": ANSWERS}
):
    """Going / Maybe / Can't go on a session's announcement (members of the group; the
    service checks membership). `meetings:rsvp:42:going`."""

    occurrence: int
    answer: str

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).answer_rsvp(interaction, self.occurrence, self.answer)


class WhoButton(PersistentButton, prefix="meetings:who", fields={"occurrence": int}):
    """ "Who's coming": the names, privately, for the group's leaders and moderators only (the
    cog checks, once it knows the session's group). `meetings:who:42`."""

    occurrence: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).show_who(interaction, self.occurrence)


PERSISTENT_ITEMS = (RsvpButton, WhoButton)


def rsvp_view(occurrence_id: int, counts: Counts, t: Translate) -> BaseView:
    """The buttons under an announcement: Going says yes (success, the kit's style rule), the
    others secondary."""
    view = BaseView(timeout=None)
    for answer, label, style in (
        (GOING, t("Going ({n})", n=counts.going), discord.ButtonStyle.success),
        (MAYBE, t("Maybe ({n})", n=counts.maybe), discord.ButtonStyle.secondary),
        (NO, t("Can't go ({n})", n=counts.no), discord.ButtonStyle.secondary),
    ):
        button = RsvpButton(occurrence=occurrence_id, answer=answer, label=label, style=style)
        view.add_item(button)
    view.add_item(WhoButton(occurrence=occurrence_id, label=t("Who's coming")))
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
