"""A second community for escalation tests: River Group, whose moderators, alerts channel and
mod log are its own, with the first community's member in it too (a member of two servers)."""

from __future__ import annotations

from tests.escalation.conftest import private_overwrites
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import Channel, User
from tests.harness import VIEW_CHANNEL, Server


def build_river(fake: FakeDiscord, member: User) -> tuple[Server, Channel]:
    admin = fake.create_user("rita")
    guild = fake.create_guild("River Group", owner=admin)
    role = fake.create_role(guild, "River moderators", mentionable=True)
    moderator = fake.create_user("ray")
    fake.add_member(guild, moderator, roles=[role])
    fake.add_member(guild, member)
    hidden = [
        {"id": guild.id, "type": 0, "deny": VIEW_CHANNEL},
        {"id": role.id, "type": 0, "allow": VIEW_CHANNEL},
        {"id": guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
    ]
    private = fake.create_text_channel(guild, "river-alerts", overwrites=hidden)
    general = fake.create_text_channel(guild, "river-general")
    river = Server(guild, admin, moderator, member, role, private, general)
    mod_log = fake.create_text_channel(guild, "river-log", overwrites=private_overwrites(river))
    return river, mod_log
