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


def shown(res: Any, words: str) -> bool:
    return any(words in m.text for m in res.messages)


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

    everyone: set[str] = set(ACTORS)
    reported = await c.fake.send_message(peer, s.general, "something hurtful")
    commands: dict[str, tuple[Any, set[str], str]] = {
        "guidelines show": (
            lambda u: c.slash(u, "guidelines show"),
            everyone,
            "no written guidelines yet",
        ),
        "report menu": (
            lambda u: c.fake.message_command(u, "Report to moderators", reported),
            everyone,
            "modal",
        ),
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
                assert ok and (res.modal is not None or res.ephemeral), (command, name, res)
            else:
                assert refused(res), (command, name, res)
                if name == "other_leader" and command == "warn":
                    assert "you don't lead any of their groups" in res.text
                if name == "leader" and command == "guidelines set (server)":
                    assert "choose your group" in res.text  # told how to edit their group's

    # Nothing was written for the refused: 3 warnings, 2 timeouts, 2 untimeouts.
    await c.settle()
    actions = [e.action for e in await c.bot.modlog.history(s.guild.id, peer.id)]
    assert sorted(actions) == sorted(["warn"] * 3 + ["timeout"] * 2 + ["untimeout"] * 2)

    # The report buttons: moderators and admins only, each of Claim, Resolve and Dismiss.
    for reporter in (c.leader, s.member):
        opened = await c.fake.message_command(reporter, "Report to moderators", reported)
        await c.fake.submit_modal(reporter, opened, {})
    await c.settle()
    first, second = c.reports()
    # The mod log is readable by the reported member here: the post does not name the reporter.
    assert f"<@{c.leader.id}>" not in first.text and "Not shown here" in first.text
    for name in ("member", "leader", "other_leader"):
        for button in first.custom_ids():
            res = await c.fake.click(actor(c, name), first, button)
            assert refused(res) and "Only moderators" in res.text, (name, button, res)
    claim, resolve, _ = first.custom_ids()
    res = await c.fake.click(s.moderator, first, claim)
    await res.wait_for(lambda r: bool(r.followups))
    assert shown(res, f"claimed by <@{s.moderator.id}>")
    told = res.followups[-1]
    assert told.flags & 64 and f"It was made by <@{c.leader.id}>" in told.text  # to them alone
    res = await c.fake.click(s.admin, c.fake.message(first.id), resolve)
    assert shown(res, f"Resolved by <@{s.admin.id}>")
    res = await c.fake.click(s.moderator, second, second.custom_ids()[2])
    assert shown(res, f"Dismissed by <@{s.moderator.id}>")
    await c.settle()
    outcomes = [e.action for e in await c.bot.modlog.history(s.guild.id, peer.id)][:2]
    assert outcomes == ["report_dismissed", "report_resolved"]
