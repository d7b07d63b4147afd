"""The permission matrix: every moderation command tried by a member, a leader of the same
group, a leader of another group, a moderator and an admin. Only the allowed succeed; the
refused get a clear private reason, and nothing is written for them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.fakediscord.models import User
from tests.harness import VIEW_CHANNEL
from tests.moderation.conftest import Community

ACTORS = ("member", "leader", "other_leader", "moderator", "admin")


def actor(c: Community, name: str) -> User:
    s = c.server
    return {
        "member": s.member,
        "leader": c.leader,
        "other_leader": c.other_leader,
        "moderator": s.moderator,
        "admin": s.admin,
    }[name]


def refused(res: Any) -> bool:
    return res.modal is None and res.ephemeral and "Only" in res.text


async def test_permission_matrix(community: Community) -> None:
    c, s = community, community.server
    peer = c.peer
    group = str(c.group_id)
    # A stray channel permission lets everyone see the mod log: the bot still checks.
    c.fake.set_overwrites(
        s.private,
        [
            {"id": s.guild.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": s.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )

    async def untimeout(user: User) -> Any:
        until = (c.clock() + timedelta(hours=1)).isoformat()
        c.fake.set_timeout(s.guild, peer, until)
        await c.fake.wait_until(
            lambda: c.bot.get_guild(s.guild.id).get_member(peer.id).timed_out_until is not None  # type: ignore[union-attr]
        )
        return await c.slash(user, "untimeout", member=peer.id)

    commands: dict[str, tuple[Any, set[str], str]] = {
        "guidelines set (server)": (
            lambda u: c.slash(u, "guidelines set"),
            {"moderator", "admin"},
            "modal",
        ),
        "guidelines set (group)": (
            lambda u: c.slash(u, "guidelines set", group=group),
            {"leader", "moderator", "admin"},
            "modal",
        ),
        "guidelines reminders": (
            lambda u: c.slash(u, "guidelines reminders", group=group, schedule="weekly"),
            {"leader", "moderator", "admin"},
            "Guideline reminders for Survivors",
        ),
        "warn": (
            lambda u: c.slash(u, "warn", member=peer.id, reason="Please be gentle"),
            {"leader", "moderator", "admin"},
            "Warning recorded",
        ),
        "warnings": (
            lambda u: c.slash(u, "warnings", member=peer.id),
            {"moderator", "admin"},
            "Moderation history",
        ),
        "timeout": (
            lambda u: c.slash(u, "timeout", member=peer.id, duration="10m", reason="Pause"),
            {"moderator", "admin"},
            "is timed out until",
        ),
        "untimeout": (untimeout, {"moderator", "admin"}, "timeout has ended"),
    }
    for command, (run, allowed, success) in commands.items():
        for name in ACTORS:
            res = await run(actor(c, name))
            if name in allowed:
                ok = res.modal is not None if success == "modal" else success in res.text
                assert ok, (command, name, res)
            else:
                assert refused(res), (command, name, res)
                if name == "other_leader" and command == "warn":
                    assert "you don't lead any of their groups" in res.text

    # Nothing was written for the refused: 3 warnings, 2 timeouts, 2 untimeouts.
    await c.settle()
    actions = [e.action for e in await c.bot.modlog.history(s.guild.id, peer.id)]
    assert sorted(actions) == sorted(["warn"] * 3 + ["timeout"] * 2 + ["untimeout"] * 2)

    # The report buttons: moderators and admins only.
    message = await c.fake.send_message(peer, s.general, "something hurtful")
    opened = await c.fake.message_command(c.leader, "Report to moderators", message)
    await c.fake.submit_modal(c.leader, opened, {})
    await c.settle()
    [post] = c.reports()
    claim, resolve, _ = post.custom_ids()
    for name in ("member", "leader", "other_leader"):
        res = await c.fake.click(actor(c, name), post, claim)
        assert refused(res) and "Only moderators" in res.text, (name, res)
    res = await c.fake.click(s.moderator, post, claim)
    assert f"claimed by <@{s.moderator.id}>" in res.text
    res = await c.fake.click(s.admin, c.fake.message(post.id), resolve)
    assert f"Resolved by <@{s.admin.id}>" in res.text
