"""The server the fuzz runs in: every audience, and the awkward things options can point at.

Built through the bot as people would (`/group create`, `/group join`), then broken the way a
real server gets broken: a group whose channel was deleted by hand, an archived group, a member
who left, a role deleted, and a second server with its own group, role and channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakediscord import FakeDiscord
from tests.fakediscord import perms as P
from tests.fakediscord.models import GUILD_TEXT, Channel, Guild, Role, User
from tests.harness import BotRunner, Server


@dataclass
class World:
    server: Server
    other: Guild  # a second server with the bot in it
    stranger: User  # a member of the other server only
    leader: User
    left: User  # was a member, left
    groups: dict[str, int] = field(default_factory=dict)  # name -> id (other server's too)
    people: dict[str, User] = field(default_factory=dict)  # audience -> the person

    @property
    def guild(self) -> Guild:
        return self.server.guild

    def users(self, fake: FakeDiscord) -> list[User]:
        """Users an option can name: every audience, the bot, one who left, a stranger."""
        s = self.server
        return [
            s.member,
            self.leader,
            s.moderator,
            s.admin,
            fake.bot_user,
            self.left,
            self.stranger,
        ]

    def roles(self) -> list[Role]:
        return sorted(self.guild.roles.values(), key=lambda r: r.id)

    def channels(self, fake: FakeDiscord, user: User, types: list[int] | None) -> list[Channel]:
        """Channels of this server `user` can see (Discord's picker offers no others)."""
        return [
            c
            for c in sorted(self.guild.channels.values(), key=lambda c: c.id)
            if fake.member_permissions(self.guild, user, c) & P.VIEW_CHANNEL
            and (not types or c.type in types)
        ]

    def where(self, fake: FakeDiscord, user: User) -> list[Channel]:
        """Text channels `user` can run a command in."""
        return [
            c
            for c in self.channels(fake, user, [GUILD_TEXT])
            if fake.member_permissions(self.guild, user, c) & P.USE_APPLICATION_COMMANDS
        ]


async def build_world(fake: FakeDiscord, runner: BotRunner, server: Server, other: Guild) -> World:
    bot = runner.bot
    assert bot is not None
    guild = server.guild
    await bot.guild_settings.set_moderator_role(guild.id, server.moderator_role.id, 0)
    await bot.guild_settings.set_private_channel(guild.id, "mod_log", server.private.id, 0)
    leader = fake.create_user("lea")
    fake.add_member(guild, leader)
    left = fake.create_user("gone")
    fake.add_member(guild, left)
    stranger = next(fake.users[m] for m in other.members if m != fake.bot_user.id)
    world = World(server, other, stranger, leader, left)
    world.people = {
        "member": server.member,
        "leader": leader,
        "moderator": server.moderator,
        "admin": server.admin,
    }

    async def create(name: str, owner: User, where: Guild, **options: object) -> None:
        channel = next(c for c in where.channels.values() if c.type == GUILD_TEXT)
        result = await fake.slash(
            owner,
            "group create",
            guild=where,
            channel=channel,
            options={"name": name, "leader": leader.id if where is guild else owner.id, **options},
        )
        assert "is ready" in result.text, result.text

    await create("Open Circle", server.admin, guild, timezone="America/New_York")
    await create("Approval Circle", server.admin, guild, access="restricted")
    await create("Archived Circle", server.admin, guild)
    await create("Lost Circle", server.admin, guild)
    await create("Far Circle", stranger, other)
    await runner.idle()
    for name in ("Open Circle", "Approval Circle", "Archived Circle", "Lost Circle", "Far Circle"):
        where = other if name == "Far Circle" else guild
        found = await bot.groups.search(where.id, name, include_archived=True)
        world.groups[name] = next(g.id for g in found if g.name == name)
    result = await fake.slash(
        server.member,
        "group join",
        guild=guild,
        channel=server.general,
        options={"group": str(world.groups["Open Circle"])},
    )
    agree = [c for c in result.message.custom_ids() if ":agree:" in c]
    if agree:
        await fake.click(server.member, result.message, agree[0])
    await fake.slash(
        server.admin,
        "group archive",
        guild=guild,
        channel=server.general,
        options={"group": str(world.groups["Archived Circle"])},
    )
    lost = await bot.groups.get(guild.id, world.groups["Lost Circle"])
    assert lost is not None and lost.channel_id is not None
    fake.delete_channel(fake.channel(lost.channel_id))
    fake.delete_role(fake.create_role(guild, "Deleted role"))
    fake.remove_member(guild, left)
    await runner.idle()
    return world
