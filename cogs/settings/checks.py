"""What /setup says about the private channels and the alert chain: who can read a channel who
should not, what the bot is missing there, and where an alert would go now (bot.permissions
does the checking)."""

from __future__ import annotations

import discord

from bot.i18n import Translate
from bot.permissions import (
    MAX_READERS_NAMED,
    ChainLink,
    bot_missing,
    channel_problem_text,
    permission_names,
    unwanted_readers,
)


def private_channel_problem(
    channel: discord.TextChannel, moderator_role_id: int | None, t: Translate
) -> str | None:
    """Escalations and the mod log hold members' private words: only moderators, admins and the
    bot may read them (every role and member overwrite counts, bot.permissions), and the bot
    must be able to post there."""
    readers = unwanted_readers(channel, moderator_role_id)
    if any(r.kind == "everyone" for r in readers):
        return t(
            "{channel} can be read by everyone on the server. Alerts and the mod log hold "
            "members' private words, so please choose a channel only moderators can see "
            "(or make this one private first).",
            channel=channel.mention,
        )
    if readers:
        named = [r.mention for r in readers[:MAX_READERS_NAMED]]
        if len(readers) > MAX_READERS_NAMED:
            named.append(t("and {n} more", n=len(readers) - MAX_READERS_NAMED))
        return t(
            "{channel} can be read by people who are not moderators or admins: {readers}. "
            "Alerts and the mod log hold members' private words, so please choose a channel "
            "only moderators can see (or make this one private first).",
            channel=channel.mention,
            readers=", ".join(named),
        )
    missing = bot_missing(channel)
    if missing:
        return t(
            "I can't work in {channel} yet: I'm missing {permissions} there. "
            "Give my role those permissions in the channel's settings, then try again.",
            channel=channel.mention,
            permissions=permission_names(missing),
        )
    return None


def chain_text(chain: list[ChainLink], t: Translate) -> str:
    """The alert chain, one line per link: whether it works now, and why not."""
    names = {
        "escalation": t("Escalation channel"),
        "mod_log": t("Mod-log channel"),
        "moderators": t("Moderators, by direct message"),
        "admins": t("Admins and the server owner, by direct message"),
    }
    first = next((link for link in chain if link.works), None)
    lines: list[str] = []
    for number, link in enumerate(chain, start=1):
        if link.channel is not None:
            state = (
                f"<#{link.channel.channel_id}>"
                if link.works
                else channel_problem_text(link.channel, t) or ""
            )
        elif link.works:
            state = t.plural("{n} person", "{n} people", len(link.people))
        elif link.name == "moderators":
            state = t("nobody has the moderator role (or none is set)")
        else:
            state = t("nobody to message")
        mark = "✅" if link.works else "❌"
        here = t(" ← alerts go here now") if link is first else ""
        lines.append(f"{number}. {mark} **{names[link.name]}**: {state}{here}")
    if first is None:
        lines.append(t("⚠️ Nobody can receive alerts right now."))
    elif first.channel is None:
        lines.append(
            t(
                "⚠️ No channel can take alerts: they go by direct message, which is easy to "
                "miss. Admins are reminded daily until it's fixed."
            )
        )
    return "\n".join(lines)
