"""Buttons and modals. The alert's buttons and the member's "contact me" button are persistent
buttons of the kit (bot/kit/buttons.py) with shaped custom ids (`escalation:claim:42`,
`escalation:contact:42`, the same ids as before the kit, so buttons already posted keep working):
they work after a restart and load their case from the database when pressed. The forms (the
alert's note, /support) are the kit's persistent modals (bot/kit/modals.py): an id unique to each
opening, answered after a restart too. What pressing or sending does lives in the cog, reached
through the `EscalationActions` protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, cast

import discord

from bot.checks import Audience
from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.kit.modals import Answers, PersistentModal
from bot.ui import loaded_cog
from cogs.escalation.service import MAX_NOTE_CHARS, MAX_SUPPORT_WORDS

COG_NAME = "Escalation"

CaseAction = Literal["claim", "resolve", "false"]


class EscalationActions(Protocol):
    """What the cog does when a button is pressed or a modal submitted."""

    async def case_button(
        self, interaction: discord.Interaction[Any], action: CaseAction, case_id: int
    ) -> None: ...

    async def contact_button(self, interaction: discord.Interaction[Any], case_id: int) -> None: ...

    async def note_submitted(
        self,
        interaction: discord.Interaction[Any],
        case_id: int,
        action: Literal["resolve", "false"],
        note: str,
    ) -> None: ...

    async def support_submitted(
        self, interaction: discord.Interaction[Any], words: str
    ) -> None: ...


def actions(interaction: discord.Interaction[Any]) -> EscalationActions:
    return cast(EscalationActions, loaded_cog(interaction, COG_NAME))


class CaseButton(
    PersistentButton,
    prefix="escalation",
    fields={"action": ("claim", "resolve", "false"), "case_id": int},
    audience=Audience.MODERATOR,
):
    """Claim / Resolved / False alarm, under an alert in the escalation channel:
    `escalation:claim:42` (the ids of alerts posted before the kit, unchanged)."""

    action: CaseAction
    case_id: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).case_button(interaction, self.action, self.case_id)


class ContactButton(
    PersistentButton,
    prefix="escalation:contact",
    fields={"case_id": int},
    style=discord.ButtonStyle.primary,
):
    """ "Ask a moderator to contact me", under the member's crisis resources:
    `escalation:contact:42`. Only the member the case is about may press it (the service checks,
    since the custom id does not name them)."""

    case_id: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await actions(interaction).contact_button(interaction, self.case_id)


class NoteModal(
    PersistentModal,
    prefix="escalation:note",
    fields={"action": ("resolve", "false"), "case_id": int},
    legacy=r"escalation:note:(?P<action>resolve|false):(?P<case_id>[0-9]+)",
    audience=Audience.MODERATOR,
):
    """Resolved / False alarm: a note for the other moderators
    (`escalation:note:<token>:resolve:42`; before the kit `escalation:note:resolve:42`)."""

    action: Literal["resolve", "false"]
    case_id: int

    def heading(self, t: Translate) -> str:
        if self.action == "resolve":
            return t("Resolve alert #{case}", case=self.case_id)
        return t("Close alert #{case} as a false alarm", case=self.case_id)

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("Note for the other moderators"),
                custom_id="note",
                style=discord.TextStyle.paragraph,
                placeholder=t("What happened, and anything the next moderator should know"),
                required=True,
                max_length=MAX_NOTE_CHARS,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await actions(interaction).note_submitted(
            interaction, self.case_id, self.action, answers.text("note")
        )


class SupportModal(PersistentModal, prefix="escalation:support", legacy=r"escalation:support"):
    """/support: the member's optional words for the moderators (`escalation:support:<token>`;
    before the kit `escalation:support`). It needs nothing else: who and where come with the
    answer, so one sent after a restart opens its case like any other."""

    def heading(self, t: Translate) -> str:
        return t("Ask for a moderator")

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        return [
            discord.ui.TextInput(
                label=t("Anything you'd like them to know? (optional)"),
                custom_id="words",
                style=discord.TextStyle.paragraph,
                placeholder=t("You can leave this empty. Only the moderators will read it."),
                required=False,
                max_length=MAX_SUPPORT_WORDS,
            )
        ]

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        await actions(interaction).support_submitted(interaction, answers.text("words"))
