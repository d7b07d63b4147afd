"""Buttons and modals. The report's buttons are persistent (bot/kit/buttons.py) with shaped
custom ids (`moderation:report:claim:42`): they work after a restart and load the report from
the database when pressed. What pressing does lives in the cog, reached through a Protocol."""

from __future__ import annotations

from typing import Any, Literal, Protocol, cast

import discord

from bot.checks import Audience
from bot.i18n import Translate
from bot.kit.buttons import PersistentButton
from bot.ui import BaseModal, loaded_cog
from cogs.moderation.guidelines import BODY_MAX
from cogs.moderation.models import Report
from cogs.moderation.service import REPORT_REASON_MAX

REPORTS_COG_NAME = "Reports"
GUIDELINES_COG_NAME = "Guidelines"

ReportAction = Literal["claim", "resolve", "dismiss"]


class ReportActions(Protocol):
    """What the reports cog does when a report's button is pressed or the modal submitted."""

    async def report_button(
        self, interaction: discord.Interaction[Any], action: ReportAction, report_id: int
    ) -> None: ...

    async def report_submitted(
        self, interaction: discord.Interaction[Any], modal: ReportModal
    ) -> None: ...


class GuidelinesActions(Protocol):
    """What the guidelines cog does when its modal is submitted."""

    async def guidelines_submitted(
        self, interaction: discord.Interaction[Any], group_id: int | None, body: str
    ) -> None: ...


class ReportButton(
    PersistentButton,
    prefix="moderation:report",
    fields={"action": ("claim", "resolve", "dismiss"), "report": int},
    audience=Audience.MODERATOR,
):
    """Claim / Resolve / Dismiss under a report in the moderators' channel
    (`moderation:report:claim:42`)."""

    action: ReportAction
    report: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        cog = cast(ReportActions, loaded_cog(interaction, REPORTS_COG_NAME))
        await cog.report_button(interaction, self.action, self.report)


def report_view(report: Report, t: Translate) -> discord.ui.View | None:
    """The buttons of an open report; a closed one has none."""
    if not report.is_open:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(
        ReportButton(
            action="claim",
            report=report.id,
            label=t("Claimed") if report.claimed_by else t("Claim"),
            style=discord.ButtonStyle.primary,
            disabled=report.claimed_by is not None,
        )
    )
    view.add_item(
        ReportButton(
            action="resolve",
            report=report.id,
            label=t("Resolve"),
            style=discord.ButtonStyle.success,
        )
    )
    view.add_item(ReportButton(action="dismiss", report=report.id, label=t("Dismiss")))
    return view


class ReportModal(BaseModal):
    """ "Report to moderators": the member's optional reason. The message's details are taken
    when the menu is used, so a later edit of the message does not change the report."""

    def __init__(
        self,
        t: Translate,
        *,
        author_id: int,
        channel_id: int,
        message_id: int,
        snapshot: str,
    ) -> None:
        super().__init__(title=t("Report to moderators")[:45], timeout=900)
        self.author_id = author_id
        self.channel_id = channel_id
        self.message_id = message_id
        self.snapshot = snapshot
        self.reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            label=t("What worries you? (optional)")[:45],
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=REPORT_REASON_MAX,
            placeholder=t("Only the moderators will read this. They won't say who reported.")[:100],
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        cog = cast(ReportActions, loaded_cog(interaction, REPORTS_COG_NAME))
        await cog.report_submitted(interaction, self)


class GuidelinesModal(BaseModal):
    """/guidelines set: the text, prefilled with the current version."""

    def __init__(self, t: Translate, *, title: str, group_id: int | None, current: str) -> None:
        super().__init__(title=title[:45], timeout=1800)
        self.group_id = group_id
        self.body: discord.ui.TextInput[GuidelinesModal] = discord.ui.TextInput(
            label=t("Guidelines")[:45],
            custom_id="body",
            style=discord.TextStyle.paragraph,
            required=True,
            max_length=BODY_MAX,
            default=current[:BODY_MAX] or None,
            placeholder=t(
                "For example: be kind; share experiences, not medical advice; what is said "
                "here stays here."
            )[:100],
        )
        self.add_item(self.body)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        cog = cast(GuidelinesActions, loaded_cog(interaction, GUIDELINES_COG_NAME))
        await cog.guidelines_submitted(interaction, self.group_id, self.body.value)
