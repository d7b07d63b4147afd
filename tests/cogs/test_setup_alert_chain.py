"""/setup show lists where an alert would go: each link of the chain (the escalation channel,
the mod-log channel, the moderators by DM, the admins and owner by DM), whether it works now,
and why not."""

from __future__ import annotations

from tests.fakediscord import FakeDiscord
from tests.harness import VIEW_CHANNEL, BotRunner, Server


def chain_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ", "4. ")]


async def test_setup_show_lists_the_alert_chain_and_why_a_link_does_not_work(
    runner: BotRunner, fake_discord: FakeDiscord, server: Server
) -> None:
    fake, g, ch, admin = fake_discord, server.guild, server.general, server.admin

    async def show() -> list[str]:
        res = await fake.slash(admin, "setup show", guild=g, channel=ch)
        assert res.ephemeral
        return chain_lines(res.text)

    lines = await show()  # nothing set: only the admins by DM
    assert lines[0].startswith("1. ❌ **Escalation channel**: not set")
    assert lines[1].startswith("2. ❌ **Mod-log channel**: not set")
    assert lines[2].startswith("3. ❌ **Moderators, by direct message**: nobody")
    assert lines[3].startswith("4. ✅ **Admins and the server owner, by direct message**: 1 person")
    assert lines[3].endswith("← alerts go here now")

    mod_log = fake.create_text_channel(
        g,
        "mod-log",
        overwrites=[
            {"id": g.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": g.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    for command, options in (
        ("setup moderator-role", {"role": server.moderator_role.id}),
        ("setup escalation-channel", {"channel": server.private.id}),
        ("setup mod-log-channel", {"channel": mod_log.id}),
    ):
        assert (await fake.slash(admin, command, guild=g, channel=ch, options=options)).ephemeral
    lines = await show()
    assert lines[0] == f"1. ✅ **Escalation channel**: <#{server.private.id}> ← alerts go here now"
    assert lines[1] == f"2. ✅ **Mod-log channel**: <#{mod_log.id}>"
    assert lines[2] == "3. ✅ **Moderators, by direct message**: 1 person"

    # The escalation channel is deleted; the bot may no longer post in the mod log.
    fake.delete_channel(server.private)
    fake.set_overwrites(
        mod_log,
        [
            {"id": g.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": server.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": g.bot_role_id, "type": 0, "allow": VIEW_CHANNEL, "deny": 1 << 11},
        ],
    )
    await fake.gateway_settled()
    lines = await show()
    assert lines[0].startswith("1. ❌ **Escalation channel**:") and "was deleted" in lines[0]
    assert lines[1].startswith("2. ❌ **Mod-log channel**:")
    assert "missing Send Messages" in lines[1]
    assert lines[2].endswith("← alerts go here now")
    res = await fake.slash(admin, "setup show", guild=g, channel=ch)
    assert "No channel can take alerts" in res.text
