"""Whose language, through the loopback Discord: a member with Discord in Spanish (es-ES) and one
in English (en-US), in one server, run the same flows. What is sent to one person (ephemeral
answers, forms, direct messages, their crisis resources) is in their language; what a channel
reads is in the server's language (/setup language); /language overrides Discord's locale, and
the choice and the locale last seen outlive a restart (a direct message sent later, through the
outbox, is still in the member's language).

Spanish here is the pseudo-translation of tests/i18n/conftest.py (`ES·` + the English)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.escalation.conftest import Community, start_community
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User
from tests.harness import Server, wait_until
from tests.i18n.conftest import MARK, assert_english, assert_spanish

pytestmark = pytest.mark.usefixtures("pseudo_spanish")

FEATURES = ("settings", "moderation", "escalation", "help", "language")


def spanish_member(fake: FakeDiscord, server: Server) -> User:
    ana = fake.create_user("ana", locale="es-ES")
    fake.add_member(server.guild, ana)
    return ana


async def slash(c: Community, who: User, command: str, **options: object) -> InteractionResult:
    return await c.fake.slash(
        who, command, guild=c.server.guild, channel=c.group_channel, options=options
    )


async def support(c: Community, who: User, words: str) -> InteractionResult:
    res = await slash(c, who, "support")
    assert res.modal is not None
    done = await c.fake.submit_modal(who, res, {"words": words})
    await wait_until(lambda: len(c.dms(who)) >= 1)
    await c.settle()
    return done


async def rows(c: Community) -> dict[int, tuple[str | None, str | None]]:
    found = await c.bot.db.fetchall(
        "SELECT user_id, locale, chosen FROM member_languages WHERE guild_id = :g",
        {"g": c.server.guild.id},
    )
    return {row["user_id"]: (row["locale"], row["chosen"]) for row in found}


def helplines(dm: Message) -> list[str]:
    return [str(f["name"]) for f in dm.embeds[0]["fields"]]


async def test_each_member_reads_their_own_language(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    ana, ben = spanish_member(fake_discord, server), server.member
    async with start_community(
        fake_discord, server, tmp_path, clock, region="US", features=FEATURES
    ) as c:
        spanish_help, english_help = await slash(c, ana, "help"), await slash(c, ben, "help")
        assert spanish_help.ephemeral and english_help.ephemeral
        assert_spanish(spanish_help.message)
        assert_english(english_help.message)
        # the commands are listed by the names the reader sees in Discord
        assert "`/ayuda`" in spanish_help.message.text
        assert "`/help`" in english_help.message.text

        form = await slash(c, ana, "support")
        assert form.modal is not None and form.modal.title.startswith(MARK)
        spanish_answer = await c.fake.submit_modal(ana, form, {"words": "estoy muy mal"})
        await wait_until(lambda: len(c.dms(ana)) == 1)
        english_answer = await support(c, ben, "I'm struggling")
        await c.settle()
        assert spanish_answer.ephemeral and english_answer.ephemeral
        assert_spanish(spanish_answer.message)
        assert_english(english_answer.message)

        [to_ana], [to_ben] = c.dms(ana), c.dms(ben)
        assert_spanish(to_ana)
        assert_english(to_ben)
        # a Spanish reader in a US server is given the US lines' Spanish options first
        assert helplines(to_ana)[:2] == ["988 Lifeline en español", "Crisis Text Line en español"]
        assert "988 Suicide & Crisis Lifeline" in helplines(to_ana)
        assert not any("en español" in name for name in helplines(to_ben))

        # the moderators' channel reads the server's language (English), about both members
        alerts = c.alerts()
        assert len(alerts) == 2
        for alert in alerts:
            assert_english(alert)

        # a warning: the member's DM in their language, the mod log in the server's
        for who in (ana, ben):
            res = await slash(c, c.server.moderator, "warn", member=who.id, reason="Por favor")
            assert res.ephemeral
        await c.settle()
        assert_spanish(c.dms(ana)[-1])
        assert_english(c.dms(ben)[-1])
        for line in c.bot_messages(c.mod_log):
            assert_english(line)


async def test_a_spanish_server_posts_in_spanish_and_writes_to_each_in_theirs(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    ana, ben = spanish_member(fake_discord, server), server.member
    async with start_community(
        fake_discord, server, tmp_path, clock, region="ES", features=FEATURES
    ) as c:
        admin = c.server.admin
        res = await slash(c, admin, "setup language", language="es")
        assert res.ephemeral and "speak Spanish" in res.text  # the admin reads English
        res = await slash(c, admin, "setup test-alert")
        assert res.ephemeral
        await c.settle()
        assert_spanish(c.bot_messages(c.alerts_channel)[-1])

        assert_english((await slash(c, ben, "help")).message)
        await support(c, ben, "I'm struggling")
        await support(c, ana, "estoy mal")
        [alert_ben, alert_ana] = c.alerts()[-2:]
        assert_spanish(alert_ben)
        assert_spanish(alert_ana)
        assert_english(c.dms(ben)[0])
        assert_spanish(c.dms(ana)[0])
        assert helplines(c.dms(ana)[0])[:2] == [
            "024 Línea de atención a la conducta suicida",
            "Teléfono de la Esperanza",
        ]


async def test_language_command_and_the_language_after_a_restart(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    ana, ben = spanish_member(fake_discord, server), server.member
    async with start_community(
        fake_discord, server, tmp_path, clock, region="US", features=FEATURES
    ) as c:
        chosen = await slash(c, ben, "language", language="es")
        assert chosen.ephemeral
        assert_spanish(chosen.message)
        assert_spanish((await slash(c, ben, "help")).message)  # his Discord is still en-US
        assert_spanish((await slash(c, ana, "help")).message)
        # Using the bot writes nothing about a member (anonymous polls' voters stay unnamed);
        # a direct message queued to Ana takes the locale of her last interaction with it.
        assert await rows(c) == {ben.id: ("en-US", "es")}
        res = await slash(c, c.server.moderator, "warn", member=ana.id, reason="Gracias")
        await c.settle()
        assert_spanish(c.dms(ana)[-1])
        assert await rows(c) == {ben.id: ("en-US", "es"), ana.id: ("es-ES", None)}

        await c.runner.stop()
        await c.runner.start()
        # Neither has used the bot since the restart: their DMs still find their language.
        for who in (ana, ben):
            res = await slash(c, c.server.moderator, "warn", member=who.id, reason="Gracias")
            assert res.ephemeral
        await c.settle()
        assert_spanish(c.dms(ana)[-1])
        assert_spanish(c.dms(ben)[-1])

        back = await slash(c, ben, "language", language="discord")
        assert back.ephemeral and "English" in back.text
        assert_english(back.message)
        res = await slash(c, c.server.moderator, "warn", member=ben.id, reason="Thanks")
        await c.settle()
        assert_english(c.dms(ben)[-1])

        # what the bot keeps about a member's language is theirs to delete
        bot = c.bot
        assert "Language" in bot.data_deletion.features()
        assert await bot.data_export.export_user(c.server.guild.id, ana.id)
        await bot.data_deletion.delete_user(c.server.guild.id, ana.id)
        assert ana.id not in await rows(c)


async def test_language_refuses_nothing_it_cannot_keep(
    fake_discord: FakeDiscord, server: Server, tmp_path: Path, clock: FakeClock
) -> None:
    """Any member may run /language, and only for themselves: the answer is private and
    nothing is posted in the channel."""
    async with start_community(
        fake_discord, server, tmp_path, clock, region="US", features=FEATURES
    ) as c:
        before = len(c.public_messages_by_bot())
        res = await slash(c, c.peer, "language", language="en")
        assert res.ephemeral and "English" in res.text
        await c.settle()
        assert len(c.public_messages_by_bot()) == before
        assert await c.bot.languages.chosen(c.server.guild.id, c.peer.id) == "en"
        assert await c.bot.languages.chosen(c.server.guild.id, c.server.member.id) is None
