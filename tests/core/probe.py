"""A small feature for the core tests: an extension (`tests.core.probe`) built on bot/feature.py
and the kit, loaded by `BotRunner(..., features=("tests.core.probe",))` beside real features
or alone. It records what core asked of it, so tests can check the contract.

Its groups come from `MemoryGroups`, a GroupDirectory kept in memory, installed with
`install_groups` (a `prepare` hook).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import discord
from discord import app_commands
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bot.checks import MEMBER, Audience
from bot.client import Bot
from bot.directory import GroupRef, NoGroups
from bot.dispatcher import Rendered, Renderer
from bot.errors import UserError
from bot.feature import Feature, OutboxKind, Rebuilder
from bot.i18n import N_
from bot.kit.buttons import INT_LIST, PersistentButton
from bot.kit.groups import AnyGroup, ArchivedGroup, LedGroup, group_here
from bot.kit.zones import TimeZone
from bot.modlog import ActionText
from bot.outbox import URGENT, OutboxMessage

TEXT = "probe:text"  # payload {"text": ...}
BUTTONS = "probe:buttons"  # payload {"n": ..., "owner": ...}: a message with the probe's buttons
POISON = "probe:poison"  # payload {"text": ...}: its renderer always raises (quoting the text)
URGENT_TEXT = "probe:urgent"  # payload {"text": ...}: as TEXT, sent with URGENT priority
ACTION = "probe_action"
ACTION_TEXT = ActionText(N_("Probe"), N_("{actor} probed {target}."), colour=0x123456)


def probe(bot: Bot) -> ProbeFeature:
    found = bot.get_cog("Probe")
    assert found is not None
    return cast(ProbeFeature, found)


class PressButton(
    PersistentButton, prefix="probe:press", fields={"n": int, "how": ("ok", "refuse", "oops")}
):
    n: int
    how: str

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        if self.how == "refuse":
            raise UserError(N_("The probe refuses."))
        if self.how == "oops":
            raise RuntimeError("a bug in a button")
        probe(interaction.client).pressed.append((self.n, interaction.user.id))
        await interaction.response.send_message(f"pressed {self.n}", ephemeral=True)


class ModeratorButton(
    PersistentButton, prefix="probe:mod", fields={"n": int}, audience=Audience.MODERATOR
):
    n: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"moderated {self.n}", ephemeral=True)


class LeaderButton(
    PersistentButton,
    prefix="probe:lead",
    fields={"group": int},
    audience=Audience.LEADER,
    group_field="group",
):
    group: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"led {self.group}", ephemeral=True)


class OwnerButton(
    PersistentButton,
    prefix="probe:mine",
    fields={"owner": int, "texts": INT_LIST},
    owner_field="owner",
    style=discord.ButtonStyle.success,
):
    owner: int
    texts: list[int]

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"yours {self.texts}", ephemeral=True)


def buttons_view(n: int, owner: int, group: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PressButton(n=n, how="ok", label="Press", style=discord.ButtonStyle.primary))
    view.add_item(PressButton(n=n, how="refuse", label="Refuse"))
    view.add_item(PressButton(n=n, how="oops", label="Oops"))
    view.add_item(ModeratorButton(n=n, label="Moderate"))
    view.add_item(LeaderButton(group=group, label="Lead"))
    view.add_item(OwnerButton(owner=owner, texts=[3, 7], label="Mine"))
    return view


class ProbeFeature(Feature, name="Probe"):
    probe = app_commands.Group(name="probe", description=_T("Core test probe"), guild_only=True)
    persistent_items = (PressButton, ModeratorButton, LeaderButton, OwnerButton)
    job_prefix = "probe:"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.sent: list[tuple[int, int]] = []  # (outbox row id, message id)
        self.rebuilt = 0
        self.deleted: list[tuple[int, int]] = []
        self.gate_calls: list[tuple[int, int, int]] = []
        self.pressed: list[tuple[int, int]] = []
        self.fail_on_sent = False
        self.welcome_channel: int | None = None  # where on_member_join says hello, slowly
        self.failed: list[tuple[int, str, str]] = []  # (row id, kind, error type) by on_failure
        self.poison_renders = 0

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if self.welcome_channel is not None:
            self.bot.spawn(self._welcome(member.id), name="probe welcome")

    async def _welcome(self, user_id: int) -> None:
        await asyncio.sleep(0.2)  # work that outlives the event handler
        async with self.bot.db.transaction() as tx:
            await self.bot.outbox.enqueue(
                tx,
                kind=TEXT,
                guild_id=None,
                channel_id=self.welcome_channel,
                payload={"text": f"welcome {user_id}"},
            )

    def outbox_kinds(self) -> Mapping[str, OutboxKind | Renderer]:
        return {
            TEXT: OutboxKind(self._render_text, on_failure=self._on_failure, on_sent=self._on_sent),
            BUTTONS: self._buttons,
            POISON: OutboxKind(self._render_poison, on_failure=self._on_failure),
            URGENT_TEXT: OutboxKind(
                self._render_text, on_failure=self._on_failure, priority=URGENT
            ),
        }

    def job_rebuilders(self) -> Sequence[Rebuilder]:
        return (self._rebuild,)

    def mod_log_actions(self) -> Mapping[str, ActionText]:
        return {ACTION: ACTION_TEXT}

    def join_gates(self) -> Sequence[Any]:
        return (self,)

    async def delete_user_data(self, guild_id: int, user_id: int) -> None:
        self.deleted.append((guild_id, user_id))

    async def admit(
        self, guild_id: int, group_id: int, user_id: int, interaction: Any | None
    ) -> bool:
        self.gate_calls.append((guild_id, group_id, user_id))
        return True

    async def _rebuild(self) -> None:
        self.rebuilt += 1
        self.bot.scheduler.add_job(self._rebuild, "interval", hours=1, id="probe:tick")

    async def _render_text(self, message: OutboxMessage) -> Rendered:
        return Rendered(content=message.payload["text"])

    async def _render_poison(self, message: OutboxMessage) -> Rendered:
        self.poison_renders += 1
        raise ValueError(f"cannot draw {message.payload['text']!r}")  # as a chart would, quoting

    async def _on_failure(self, message: OutboxMessage, error: Exception) -> None:
        self.failed.append((message.id, message.kind, type(error).__name__))

    async def _buttons(self, message: OutboxMessage) -> Rendered:
        p = message.payload
        return Rendered(content="buttons", view=buttons_view(p["n"], p["owner"], p["group"]))

    async def _on_sent(self, message: OutboxMessage, message_id: int) -> None:
        if self.fail_on_sent:
            raise RuntimeError("a bug in an on_sent handler")
        self.sent.append((message.id, message_id))

    @probe.command(name="group", description=_T("Name a group"), extras=MEMBER)
    async def group_command(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, AnyGroup],
    ) -> None:
        await interaction.response.send_message(f"group {group.name}", ephemeral=True)

    @probe.command(name="led", description=_T("Name a group you lead"), extras=MEMBER)
    async def led_command(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, LedGroup] | None = None,
    ) -> None:
        found = group or await group_here(interaction)
        await interaction.response.send_message(
            f"led {found.name if found else 'none'}", ephemeral=True
        )

    @probe.command(name="archived", description=_T("Name an archived group"), extras=MEMBER)
    async def archived_command(
        self,
        interaction: discord.Interaction[Bot],
        group: app_commands.Transform[GroupRef, ArchivedGroup],
    ) -> None:
        await interaction.response.send_message(f"archived {group.name}", ephemeral=True)

    @probe.command(name="zone", description=_T("Name a time zone"), extras=MEMBER)
    async def zone_command(
        self, interaction: discord.Interaction[Bot], zone: app_commands.Transform[str, TimeZone]
    ) -> None:
        await interaction.response.send_message(f"zone {zone}", ephemeral=True)


class MemoryGroups(NoGroups):
    """Groups in memory: add them with `add`; who leads what in `leaders`."""

    def __init__(self) -> None:
        self.groups: dict[int, GroupRef] = {}
        self.members: dict[int, set[int]] = {}
        self.leaders: dict[int, set[int]] = {}

    def add(
        self,
        guild_id: int,
        name: str,
        *,
        channel_id: int | None = None,
        archived: bool = False,
        members: Sequence[int] = (),
        leaders: Sequence[int] = (),
    ) -> GroupRef:
        ref = GroupRef(
            len(self.groups) + 1, guild_id, name, "UTC", channel_id, None, None, archived
        )
        self.groups[ref.id] = ref
        self.leaders[ref.id] = set(leaders)
        self.members[ref.id] = set(members) | set(leaders)
        return ref

    async def is_leader(self, guild_id: int, user_id: int, group_id: int | None) -> bool:
        return any(
            user_id in self.leaders[g.id]
            for g in self.groups.values()
            if g.guild_id == guild_id and (group_id is None or g.id == group_id)
        )

    async def get(self, guild_id: int, group_id: int) -> GroupRef | None:
        ref = self.groups.get(group_id)
        return ref if ref is not None and ref.guild_id == guild_id else None

    async def for_channel(self, guild_id: int, channel_id: int) -> GroupRef | None:
        return next(
            (
                g
                for g in self.groups.values()
                if (g.guild_id, g.channel_id) == (guild_id, channel_id)
            ),
            None,
        )

    async def groups_of(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return [
            g
            for g in self.groups.values()
            if g.guild_id == guild_id and not g.archived and user_id in self.members[g.id]
        ]

    async def led_by(self, guild_id: int, user_id: int) -> list[GroupRef]:
        return [g for g in await self.groups_of(guild_id, user_id) if user_id in self.leaders[g.id]]

    async def search(
        self, guild_id: int, query: str, *, limit: int = 25, include_archived: bool = False
    ) -> list[GroupRef]:
        return [
            g
            for g in self.groups.values()
            if g.guild_id == guild_id
            and (include_archived or not g.archived)
            and query.casefold() in g.name.casefold()
        ][:limit]


def install_groups(groups: MemoryGroups) -> Callable[[Bot], None]:
    """A `prepare` hook: the bot asks `groups` about groups and leaders."""

    def prepare(bot: Bot) -> None:
        bot.groups = groups
        bot.access.set_leader_lookup(groups.is_leader)

    return prepare


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProbeFeature(bot))
