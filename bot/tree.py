"""The command tree and the one place that turns errors into replies.

A `UserError` (or a check that failed) reaches the member privately, in their language. Anything
else is logged with guild, channel, user and command ids and a short reference, and the member
gets a kind apology quoting that reference, so a moderator can find the log line.
Views and modals (`bot.ui`) forward their errors here too.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import (
    COMMAND_NAME,
    DEFAULT_LANGUAGE,
    OPTION_NAME,
    Translate,
    catalog,
    command_name,
    language_of,
    translator_for,
)

if TYPE_CHECKING:
    from bot.client import Bot

log = logging.getLogger(__name__)


def error_reference() -> str:
    return "E-" + secrets.token_hex(3).upper()


async def translator(interaction: discord.Interaction[Any]) -> Translate:
    """The reader's language, for what one member reads (bot/member_language.py): the language
    they chose with /language, else their Discord locale, else the server's language."""
    client = interaction.client
    languages = getattr(client, "languages", None)
    locale = str(interaction.locale)
    if languages is not None:
        try:
            return await languages.translator(interaction.guild_id, interaction.user.id, locale)
        except Exception:  # the apology must still go out if the database is the problem
            log.warning("could not read the member's or the server's language", exc_info=True)
    return translator_for(locale, None)


async def reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral answer, whether or not the interaction was already acknowledged."""
    allowed = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=allowed)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=allowed)
    except discord.NotFound:
        log.warning("interaction %s expired before the bot could answer", interaction.id)
    except discord.HTTPException:
        log.warning("could not answer interaction %s", interaction.id, exc_info=True)


def _clip(value: Any, limit: int = 100) -> Any:
    return value[: limit - 1] + "…" if isinstance(value, str) and len(value) > limit else value


def _describe(error: BaseException, t: Translate) -> str | None:
    """Words for errors the member can act on; None for bugs."""
    if isinstance(error, UserError):
        # What the person typed may come back in the words: clipped, so the answer stays within
        # Discord's 2000 characters (a longer one is refused and they would see no answer).
        return t(error.message, **{k: _clip(v) for k, v in error.params.items()})
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("This command works inside a server, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return t(
            "You're going a little fast. Please try again in {seconds} seconds.",
            seconds=max(1, round(error.retry_after)),
        )
    if isinstance(error, app_commands.TransformerError):
        return t(
            "I couldn't understand “{value}” for that option. Please pick a value from the list.",
            value=str(error.value)[:100],
        )
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return t(
            "This command has just been updated. Please wait a minute and try it again "
            "(Discord may need to refresh its list of commands)."
        )
    if isinstance(error, discord.Forbidden):
        return t(
            "Discord didn't allow me to do that: I'm missing a permission here. "
            "Please ask a server admin to check my role's permissions."
        )
    if isinstance(error, app_commands.CheckFailure):
        return t("You can't use this command here.")
    return None


async def report_error(
    interaction: discord.Interaction[Any], error: BaseException, *, source: str | None = None
) -> None:
    """The one error path for commands, views and modals."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, UserError):
        error = error.__cause__  # a transformer that refused the value with our own words
    t = await translator(interaction)
    text = _describe(error, t)
    if isinstance(error, discord.Forbidden):
        log.warning(
            "forbidden while handling %s in guild %s channel %s: %s",
            source or _command_name(interaction),
            interaction.guild_id,
            interaction.channel_id,
            error,
        )
    if text is None:
        ref = error_reference()
        log.error(
            "error %s in %s (guild %s, channel %s, interaction %s)",
            ref,
            source or _command_name(interaction),
            interaction.guild_id,
            interaction.channel_id,
            interaction.id,
            exc_info=(type(error), error, error.__traceback__),
        )
        log.debug("error %s: user %s", ref, interaction.user.id if interaction.user else None)
        text = t(
            "Sorry, something went wrong on my side and I couldn't finish that. "
            "Nothing was changed. If it happens again, please tell a moderator and "
            "quote the reference {ref}.",
            ref=ref,
        )
    await reply_privately(interaction, text)


def _command_name(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data = interaction.data or {}
    return f"component {data.get('custom_id', '?')}"


class BotTree(app_commands.CommandTree["Bot"]):
    async def on_error(
        self, interaction: discord.Interaction[Bot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


DESCRIPTION_MAX = 100
_NAMES = {
    app_commands.TranslationContextLocation.command_name: COMMAND_NAME,
    app_commands.TranslationContextLocation.group_name: COMMAND_NAME,
    app_commands.TranslationContextLocation.parameter_name: OPTION_NAME,
}


class CommandTranslator(app_commands.Translator):
    """Localizes command names, descriptions and choices from the gettext catalogues.

    Names of commands, groups and options come from the commands catalogue (msgctxt "command
    name" / "option name", bot/locales/<lang>/LC_MESSAGES/peer_support_bot_commands.po), whose
    entries obey Discord's naming rules; descriptions and choices from the main catalogue. Every
    locale of a language we speak gets it (es-ES and es-419 both read Spanish)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = language_of(locale.value)
        if language is None or language == DEFAULT_LANGUAGE:
            return None
        names = _NAMES.get(context.location)
        if names is not None:
            return command_name(string.message, language, names)
        text = catalog(language).gettext(string.message)
        if text == string.message:
            return None
        # Descriptions and choices: at most 100 characters, or Discord refuses the whole sync.
        return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"
