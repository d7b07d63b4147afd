"""Crash points of the groups feature's multi-step flows (issue 19): each flow is run once to
count its steps (every request to Discord, every commit), then killed at every step, restarted
on the same database and checked (tests/crashpoints.py): nothing half-done visible to anyone,
nothing lost, nothing doubled, the person told once.

The flows: /group create, a join through the confidentiality agreement, a leader approving a
join request followed by the agreement sent privately, and a waitlist seat offer to a member
whose direct messages are closed.
"""

from __future__ import annotations

import logging
from typing import cast

import pytest

from cogs.groups.cog import GroupsCog
from cogs.groups.records import Group
from tests.crashpoints import Flow, SweepReport, World, sweep
from tests.fakediscord.interactions import InteractionResult
from tests.fakediscord.models import Message, User

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

FEATURES = ("settings", "groups", "moderation")
WITH_AGREEMENT = (*FEATURES, "confidentiality")


def groups_cog(world: World) -> GroupsCog:
    found = world.bot.get_cog("Groups")
    assert found is not None and type(found).__name__ == "GroupsCog"
    return cast(GroupsCog, found)


async def community(world: World) -> None:
    s = world.server
    await world.bot.guild_settings.set_moderator_role(s.guild.id, s.moderator_role.id, 0)
    await world.bot.guild_settings.set_private_channel(s.guild.id, "mod_log", s.private.id, 0)


def person(world: World, name: str) -> User:
    user = world.fake.create_user(name)
    world.fake.add_member(world.server.guild, user)
    world.state[name] = user
    return user


async def make_group(world: World, name: str, leader: User, **options: object) -> Group:
    s = world.server
    res = await world.fake.slash(
        s.admin,
        "group create",
        guild=s.guild,
        channel=s.general,
        options={"name": name, "leader": leader.id, **options},
    )
    assert "is ready" in res.text, res
    return await group_named(world, name)


async def group_named(world: World, name: str) -> Group:
    groups = await groups_cog(world).service.list(world.server.guild.id, include_archived=True)
    return next(g for g in groups if g.name == name)


async def groups_called(world: World, name: str) -> list[Group]:
    groups = await groups_cog(world).service.list(world.server.guild.id, include_archived=True)
    return [g for g in groups if g.name == name]


def has_role(world: World, user: User, role_id: int | None) -> bool:
    return role_id is not None and role_id in world.fake.member(world.server.guild, user).roles


def replies_to(world: World, user: User) -> list[str]:
    """Every message the bot showed `user` in answer to their interactions (ephemeral ones
    included), once each: an edited message counts once, with all its texts joined."""
    shown: dict[int, list[str]] = {}
    for pending in world.fake.pending.values():
        if pending.result.user.id == user.id:
            for m in pending.result.messages:
                shown.setdefault(m.id, []).append(m.text)
    return ["\n".join(texts) for texts in shown.values()]


def dms(world: World, user: User) -> list[Message]:
    return world.fake.dm_messages(user)


def count(texts: list[str], words: str) -> int:
    return sum(words in t for t in texts)


def report(result: SweepReport) -> None:
    line = (
        f"{result.flow}: {result.steps} steps, {result.points} crash points, {result.seconds:.1f} s"
    )
    log.warning("%s", line)
    print(line)


# ---------------------------------------------------------------------- /group create


class Create(Flow):
    """A moderator creates a group with a voice channel: a role, three channels, the leader's
    role, the records. Killed anywhere, the server ends with the whole group (the moderator
    told it is ready once) or with nothing of it (told once that it was undone, if anything
    had been started)."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)
        person(world, "lena")

    async def act(self, world: World) -> None:
        s = world.server
        await world.fake.slash(
            s.admin,
            "group create",
            guild=s.guild,
            channel=s.general,
            options={"name": "Caregivers", "leader": world.state["lena"].id, "voice": True},
        )

    async def check(self, world: World, point: int | None) -> None:
        fake, s, lena = world.fake, world.server, world.state["lena"]
        guild = fake.guilds[s.guild.id]
        roles = [r for r in guild.roles.values() if r.name == "Caregivers"]
        channels = [
            c for c in guild.channels.values() if c.name in ("caregivers", "caregivers-leaders")
        ]
        found = await groups_called(world, "Caregivers")
        told = replies_to(world, s.admin) + [m.text for m in dms(world, s.admin)]
        ready = count(told, "is ready")
        undone = count(told, "was interrupted")
        if found:
            (group,) = found
            # The whole group, nothing more: its role and its three channels.
            assert [r.id for r in roles] == [group.role_id]
            assert {c.id for c in channels} == {
                group.channel_id,
                group.voice_channel_id,
                group.leaders_channel_id,
            }
            assert has_role(world, lena, group.role_id)
            assert (ready, undone) == (1, 0), told
        else:
            # Nothing of it anywhere.
            assert roles == [] and channels == [], (roles, channels)
            setups = await groups_cog(world).service.repo.db.fetchall(
                "SELECT status, told_at FROM group_provisionings"
            )
            assert all(r["status"] == "undone" for r in setups), [dict(r) for r in setups]
            # Told once if a setup had begun; a bot killed before it began said nothing (the
            # moderator sees Discord's "did not respond" and nothing was made).
            assert ready == 0 and undone == (1 if setups else 0), told


async def test_group_create_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Create(), tmp_path)
    report(result)
    assert result.steps >= 8  # defer, setup, role, 3 channels and their records, group, ...


# ---------------------------------------------------------------------- join with the agreement

WELCOME = "Welcome to Survivors"
PROMPT = "Before you join Survivors"
CHANNEL_WELCOME = "Please welcome"


async def agreed(world: World, user: User, group_id: int) -> bool:
    """Her "I agree" for the group is on record (the confidentiality feature's own table)."""
    row = await world.bot.db.fetchone(
        "SELECT 1 FROM confidentiality_acceptances WHERE user_id = :u AND group_id = :g",
        {"u": user.id, "g": group_id},
    )
    return row is not None


def channel_welcomes(world: World, group: Group) -> int:
    """The welcome in the group's channel (confidentiality's listener of the durable
    `group_member_joined`): once per member who joined, never for anyone else."""
    assert group.channel_id is not None
    return count([m.text for m in world.fake.messages_in(group.channel_id)], CHANNEL_WELCOME)


class JoinWithAgreement(Flow):
    """A member joins an open group: /group join shows the confidentiality agreement, "I
    agree" lets her in. Killed anywhere: she is in (with the role, welcomed once privately and
    once in the group's channel) or holds her seat with the agreement in front of her (shown,
    or sent privately at start-up), or nothing happened; never a member without the role, nor
    a role without the membership, nor an "I agree" on record with her left outside: start-up
    lets her in (the durable `join_gate_passed`) without her pressing anything again."""

    features = WITH_AGREEMENT

    async def prepare(self, world: World) -> None:
        await community(world)
        lena, _ = person(world, "lena"), person(world, "anna")
        world.state["group"] = (await make_group(world, "Survivors", lena)).id

    async def act(self, world: World) -> None:
        fake, s, anna = world.fake, world.server, world.state["anna"]
        res = await fake.slash(
            anna,
            "group join",
            guild=s.guild,
            channel=s.general,
            options={"group": str(world.state["group"])},
        )
        prompt = res.message
        agree = next(c for c in prompt.custom_ids() if c.startswith("confidentiality:agree:"))
        res = await fake.click(anna, prompt, agree)
        await res.wait_for(lambda r: bool(r.followups))

    async def check(self, world: World, point: int | None) -> None:
        anna = world.state["anna"]
        service = groups_cog(world).service
        group = await service.get(world.server.guild.id, world.state["group"])
        member = await service.is_member(group, anna.id)
        ticket = await service.join_source(group, anna.id)
        welcomed = count([m.text for m in dms(world, anna)], WELCOME)
        prompts = count(replies_to(world, anna) + [m.text for m in dms(world, anna)], PROMPT)
        assert has_role(world, anna, group.role_id) == member
        if member:
            assert ticket is None and welcomed == 1, (welcomed, point)
            assert channel_welcomes(world, group) == 1, point
            return
        # Not in: her answer is not on record (an "I agree" on record lets her in at start-up).
        assert not await agreed(world, anna, group.id), point
        assert welcomed == 0 and channel_welcomes(world, group) == 0, point
        if ticket is None:
            assert prompts == 0, (prompts, point)
            return
        # Her seat is held and the agreement was in front of her once, or her /group join
        # was cut short before it showed (Discord told her it failed). Nothing is lost:
        # /group join again shows the agreement, and "I agree" lets her in, told once.
        assert prompts <= 1, (prompts, point)
        s = world.server
        res = await world.fake.slash(
            anna, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        assert PROMPT in res.text, res
        agree = next(c for c in res.message.custom_ids() if c.startswith("confidentiality:agree:"))
        res = await world.fake.click(anna, res.message, agree)
        await world.idle()
        assert WELCOME in res.followups[-1].text, res
        assert has_role(world, anna, group.role_id)
        assert count([m.text for m in dms(world, anna)], WELCOME) == 1
        assert channel_welcomes(world, group) == 1


async def test_a_join_through_the_agreement_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(JoinWithAgreement(), tmp_path)
    report(result)
    assert result.steps >= 6


# ---------------------------------------------------------------------- approve, then agree

ASKED = "approved your request"  # the agreement sent privately after an approval
AGREEMENT = "Our confidentiality agreement (version"  # its embed, kept when it is answered


class Approve(Flow):
    """A leader approves a join request of a restricted group; the confidentiality agreement
    goes to the member privately and her "I agree" there lets her in. The approval and the seat
    it gives are one transaction; a crash after it asks her at start-up, once (a second asking
    for the same seat sends nothing); a crash after her answer lets her in at start-up. Killed
    anywhere: the request is still pending (the leader can approve again); or it is approved,
    she was asked once, and "I agree" lets her in; or she is in, with the role, welcomed once
    privately and once in the group's channel."""

    features = WITH_AGREEMENT

    async def prepare(self, world: World) -> None:
        await community(world)
        lena, anna = person(world, "lena"), person(world, "anna")
        group = await make_group(world, "Survivors", lena, access="restricted")
        world.state["group"] = group.id
        s = world.server
        res = await world.fake.slash(
            anna, "group join", guild=s.guild, channel=s.general, options={"group": str(group.id)}
        )
        assert "sent your request" in res.text, res

    def request_message(self, world: World, group: Group) -> Message:
        assert group.leaders_channel_id is not None
        (message,) = world.fake.messages_in(group.leaders_channel_id)
        return message

    async def approve(self, world: World) -> InteractionResult:
        service = groups_cog(world).service
        group = await service.get(world.server.guild.id, world.state["group"])
        message = self.request_message(world, group)
        approve = next(c for c in message.custom_ids() if "approve" in c)
        return await world.fake.click(world.state["lena"], message, approve)

    async def agree(self, world: World) -> InteractionResult:
        anna = world.state["anna"]
        (prompt,) = [m for m in dms(world, anna) if ASKED in m.text]
        agree = next(c for c in prompt.custom_ids() if c.startswith("confidentiality:agree:"))
        res = await world.fake.click(anna, prompt, agree)
        await res.wait_for(lambda r: bool(r.followups))
        return res

    async def act(self, world: World) -> None:
        await self.approve(world)
        await world.idle()
        await self.agree(world)

    async def check(self, world: World, point: int | None) -> None:
        anna, lena = world.state["anna"], world.state["lena"]
        service = groups_cog(world).service
        group = await service.get(world.server.guild.id, world.state["group"])
        requests = await service.repo.db.fetchall("SELECT status FROM group_join_requests")
        (status,) = [r["status"] for r in requests]
        member = await service.is_member(group, anna.id)
        prompts = [m for m in dms(world, anna) if AGREEMENT in m.text]
        welcomed = count([m.text for m in dms(world, anna)], WELCOME)
        assert has_role(world, anna, group.role_id) == member
        if status == "pending":
            assert not member and prompts == [] and welcomed == 0, point
            assert await service.join_source(group, anna.id) is None
            # Nothing lost: the leader can still approve, and she is asked then.
            res = await self.approve(world)
            await world.idle()
            assert "has been told" in res.text, res
            assert len([m for m in dms(world, anna) if AGREEMENT in m.text]) == 1
            await self.agree(world)
            await world.idle()
        else:
            assert status == "approved", status
            # The leader is told once at most; pressing again says it was handled.
            assert count(replies_to(world, lena), "has been told") <= 1
            assert len(prompts) == 1, (len(prompts), point)  # asked once, whatever the crash
            if not member:
                assert not await agreed(world, anna, group.id), point
                assert await service.join_source(group, anna.id) == "request", point
                assert welcomed == 0 and channel_welcomes(world, group) == 0, point
                (prompt,) = prompts
                agree = next(
                    c for c in prompt.custom_ids() if c.startswith("confidentiality:agree:")
                )
                res = await world.fake.click(anna, world.fake.message(prompt.id), agree)
                await world.idle()
                assert WELCOME in res.followups[-1].text, res
        assert await service.is_member(group, anna.id) and has_role(world, anna, group.role_id)
        assert await service.join_source(group, anna.id) is None  # no seat left dangling
        assert count([m.text for m in dms(world, anna)], WELCOME) == 1, point
        assert channel_welcomes(world, group) == 1, point


async def test_approving_a_request_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(Approve(), tmp_path)
    report(result)
    assert result.steps >= 8


# ---------------------------------------------------------------------- waitlist offer

NOTE = "Someone here has a message waiting"


class OfferToClosedDMs(Flow):
    """A member leaves a full group; the seat is offered to the next on the waitlist, whose
    direct messages are closed. Killed anywhere: either nobody left, or the seat is offered
    and she learns of it once, from a note without names in the panel's channel, and
    /group mine lets her take it."""

    features = FEATURES

    async def prepare(self, world: World) -> None:
        await community(world)
        fake, s = world.fake, world.server
        lena, anna, bea = person(world, "lena"), person(world, "anna"), person(world, "bea")
        group = await make_group(world, "Survivors", lena, capacity=1)
        world.state["group"] = group.id
        res = await fake.slash(
            s.admin,
            "group panel",
            guild=s.guild,
            channel=s.general,
            options={"channel": s.general.id},
        )
        assert "panel is in" in res.text, res
        for user in (anna, bea):
            await fake.slash(
                user,
                "group join",
                guild=s.guild,
                channel=s.general,
                options={"group": str(group.id)},
            )
        fake.close_dms(bea)

    async def act(self, world: World) -> None:
        s = world.server
        await world.fake.slash(
            world.state["anna"],
            "group leave",
            guild=s.guild,
            channel=s.general,
            options={"group": str(world.state["group"])},
        )

    async def check(self, world: World, point: int | None) -> None:
        fake, s, anna, bea = world.fake, world.server, world.state["anna"], world.state["bea"]
        service = groups_cog(world).service
        group = await service.get(s.guild.id, world.state["group"])
        notes = [m for m in fake.messages_in(s.general.id) if NOTE in m.text]
        offers = await service.open_offers_of(s.guild.id, bea.id)
        assert dms(world, bea) == []
        if await service.is_member(group, anna.id):
            assert has_role(world, anna, group.role_id)
            assert offers == [] and notes == []
            return
        assert not has_role(world, anna, group.role_id)
        assert len(offers) == 1 and len(notes) == 1, (offers, notes)
        # The note names nobody and no group, and pings nobody.
        (note,) = notes
        assert "Survivors" not in note.text and "bea" not in note.text
        assert "<@" not in note.text and not note.mentions
        # /group mine shows the offer, privately, with its buttons; Accept lets her in.
        res = await fake.slash(bea, "group mine", guild=s.guild, channel=s.general)
        assert res.ephemeral and "a seat is held for you" in res.text, res
        accept = next(c for c in res.message.custom_ids() if c.startswith("groups:offer:accept"))
        res = await fake.click(bea, res.message, accept)
        await world.idle()
        assert WELCOME in " ".join(replies_to(world, bea)), replies_to(world, bea)
        assert has_role(world, bea, group.role_id)


async def test_a_waitlist_offer_to_closed_dms_survives_a_crash_at_every_step(tmp_path) -> None:
    result = await sweep(OfferToClosedDMs(), tmp_path)
    report(result)
    assert result.steps >= 5
