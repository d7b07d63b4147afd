"""The mod-log action kinds the moderation feature records, with their words and colours.

`ModerationCog.mod_log_actions` declares them to core (`bot.modlog`); the renderer reads them
back with `bot.modlog.action_text(kind)`, like any other feature's kinds. No discord import.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.modlog import ActionText

WARN = "warn"
TIMEOUT = "timeout"
UNTIMEOUT = "untimeout"
REPORT = "report"
REPORT_RESOLVED = "report_resolved"
REPORT_DISMISSED = "report_dismissed"
GUIDELINES = "guidelines"
REMINDERS = "reminders"

# Embed colours (discord.Colour's gold, orange, green, light grey and blurple).
GOLD, ORANGE, GREEN, LIGHT_GREY, BLURPLE = 0xF1C40F, 0xE67E22, 0x2ECC71, 0x979C9F, 0x5865F2

ACTIONS: dict[str, ActionText] = {
    WARN: ActionText(N_("Warning"), N_("{actor} warned {target}."), GOLD),
    TIMEOUT: ActionText(N_("Timeout"), N_("{actor} timed out {target} until {until}."), ORANGE),
    UNTIMEOUT: ActionText(
        N_("Timeout removed"), N_("{actor} removed the timeout of {target}."), GREEN
    ),
    # Never names the reporter ({actor}): /warnings shows this line to any moderator, and the
    # member reported may be one.
    REPORT: ActionText(
        N_("Report"), N_("A message by {target} was reported to the moderators."), ORANGE
    ),
    REPORT_RESOLVED: ActionText(
        N_("Report resolved"), N_("{actor} resolved report #{report} about {target}."), GREEN
    ),
    REPORT_DISMISSED: ActionText(
        N_("Report dismissed"),
        N_("{actor} dismissed report #{report} about {target}."),
        LIGHT_GREY,
    ),
    GUIDELINES: ActionText(
        N_("Guidelines changed"), N_("{actor} published version {version} of {scope}."), BLURPLE
    ),
    REMINDERS: ActionText(
        N_("Guideline reminders changed"),
        N_("{actor} set the guideline reminders of {group}: {schedule}."),
        BLURPLE,
    ),
}
