"""Distress escalation: a message that signals crisis reaches a human moderator fast, and the
member privately gets help (issue 8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import Bot


async def setup(bot: Bot) -> None:
    # Imported here so the detector can be used (benchmarks, tests) without loading the cog.
    from cogs.escalation.catchup_cog import EscalationCatchupCog
    from cogs.escalation.cog import EscalationCog
    from cogs.escalation.duty import DutyService
    from cogs.escalation.duty_cog import DutyCog, moderator_check
    from cogs.escalation.settings_cog import EscalationSettingsCog

    escalation = EscalationCog(bot)
    # Who is on duty (duty.py): alerts mention them and pages start with them.
    duty = DutyService(bot.db, bot.clock, bot.outbox, bot.guild_settings, moderator_check(bot))
    escalation.service.duty = duty
    await bot.add_cog(escalation)
    await bot.add_cog(EscalationSettingsCog(bot, escalation.service, duty))
    await bot.add_cog(DutyCog(bot, duty))
    # What was posted while the bot was away, and crisis DMs to one community (issue 17).
    await bot.add_cog(EscalationCatchupCog(bot, escalation))
