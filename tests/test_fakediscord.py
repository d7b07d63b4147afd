"""Tests of the loopback Discord itself, driven by a bare discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route, handle_message_parameters

from tests.fakediscord import FakeDiscord, InteractionRefused, SpecNotFound
from tests.fakediscord import perms as P
from tests.fakediscord import spec as spec_module
from tests.fakediscord.models import Channel, Guild, Role, User
from tests.fakediscord.pytest_plugin import spec_or_skip


@dataclass
class World:
    fake: FakeDiscord
    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    guild: Guild
    admin: User
    member: User
    mods: Role
    general: Channel
    seen: dict[str, object] = field(default_factory=dict)


def _intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return intents


@pytest.fixture
async def world(fake_discord: FakeDiscord) -> AsyncIterator[World]:
    fake = fake_discord
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    admin = fake.create_user("ada")
    guild = fake.create_guild("Hope Circle", owner=admin)
    member = fake.create_user("mia", locale="fr")
    fake.add_member(guild, member)
    mods = fake.create_role(guild, "Moderators")
    general = fake.create_text_channel(guild, "general", topic="hello")
    client = discord.Client(intents=_intents(), guild_ready_timeout=0.1)
    tree = app_commands.CommandTree(client)
    w = World(fake, client, tree, guild, admin, member, mods, general)
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        task = asyncio.create_task(client.start("fake-token"))
        await fake.wait_until_connected(timeout=10)
        async with asyncio.timeout(10):
            while client.get_guild(guild.id) is None or not client.is_ready():
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)

    w.seen["start"] = start
    try:
        yield w
    finally:
        await client.close()
        if task is not None:
            await asyncio.wait_for(task, 5)
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def started(w: World) -> World:
    start = w.seen["start"]
    assert callable(start)
    await start()  # pyright: ignore[reportGeneralTypeIssues]
    return w


async def synced(w: World) -> World:
    await started(w)
    await w.tree.sync()
    return w


# --------------------------------------------------------------------------- login & gateway
async def test_login_gateway_and_guild_create(world: World) -> None:
    w = await started(world)
    g = w.client.get_guild(w.guild.id)
    assert g is not None
    assert g.name == "Hope Circle"
    assert g.owner_id == w.admin.id
    assert g.chunked
    assert {m.id for m in g.members} == {w.admin.id, w.member.id, w.fake.bot_user.id}
    assert g.get_channel(w.general.id) is not None
    assert g.get_role(w.mods.id) is not None
    assert g.me.guild_permissions.manage_roles
    assert w.client.user is not None and w.client.user.id == w.fake.bot_user.id
    assert w.client.application_id == w.fake.application_id
    assert w.fake.connections == 1
    # the fake's own helpers
    assert w.fake.channel_by_name(w.guild, "general") is w.general
    assert w.fake.role_by_name(w.guild, "Moderators") is w.mods


async def test_events_from_world_building_reach_the_client(world: World) -> None:
    w = await started(world)
    fake = w.fake
    newbie = fake.create_user("ned")
    await fake.member_join(w.guild, newbie)
    role = fake.create_role(w.guild, "Helpers", permissions=P.VIEW_CHANNEL)
    chan = fake.create_text_channel(w.guild, "support")
    g = w.client.get_guild(w.guild.id)
    assert g is not None
    await fake.wait_until(
        lambda: g.get_member(newbie.id) is not None and g.get_role(role.id) is not None
    )
    await fake.wait_until(lambda: g.get_channel(chan.id) is not None)
    fake.set_member_roles(w.guild, newbie, [role.id])
    await fake.wait_until(
        lambda: (m := g.get_member(newbie.id)) is not None and any(r.id == role.id for r in m.roles)
    )
    fake.delete_channel(chan)
    fake.delete_role(role)
    await fake.member_leave(w.guild, newbie)
    await fake.wait_until(
        lambda: (
            g.get_channel(chan.id) is None
            and g.get_role(role.id) is None
            and g.get_member(newbie.id) is None
        )
    )


async def test_messages_from_people_reach_the_client(world: World) -> None:
    w = await started(world)
    got: list[discord.Message] = []

    @w.client.event
    async def on_message(message: discord.Message) -> None:  # pyright: ignore[reportUnusedFunction]
        got.append(message)

    msg = await w.fake.send_message(w.member, w.general, f"hi {w.fake.bot_user.mention}")
    dm = await w.fake.send_dm(w.member, "psst")
    await w.fake.wait_until(lambda: len(got) == 2)
    assert got[0].id == msg.id and got[0].content.startswith("hi")
    assert w.client.user in got[0].mentions
    assert isinstance(got[0].author, discord.Member)
    assert got[1].guild is None and got[1].content == "psst" and got[1].id == dm.id


# --------------------------------------------------------------------------- strictness
def test_missing_spec_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SpecNotFound):
        FakeDiscord(spec_path=tmp_path / "nowhere.json")
    monkeypatch.setenv("DISCORD_API_SPEC", str(tmp_path / "nowhere.json"))
    monkeypatch.setattr(spec_module, "REPO_ROOT", tmp_path / "repo")
    monkeypatch.delenv("CI", raising=False)  # on a developer's machine: skipped, with the reason
    with pytest.raises(pytest.skip.Exception, match="DISCORD_API_SPEC"):
        spec_or_skip()
    monkeypatch.setenv("CI", "true")  # under CI: the test fails instead
    with pytest.raises(pytest.fail.Exception, match="DISCORD_API_SPEC"):
        spec_or_skip()


async def test_body_violating_the_spec_is_refused(world: World) -> None:
    w = await started(world)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=w.general.id)
    with pytest.raises(discord.HTTPException) as err:
        await w.client.http.request(route, json={"content": 123})
    assert err.value.status == 400
    assert err.value.code == 50035
    assert "content" in str(err.value)
    problems = w.fake.take_problems()
    assert len(problems) == 1 and "50035" in problems[0]
    assert w.fake.messages_in(w.general) == []


async def test_unknown_route_is_refused_and_recorded(world: World) -> None:
    w = await started(world)
    with pytest.raises(discord.NotFound):
        await w.client.http.request(
            Route("GET", "/guilds/{guild_id}/vanity-url", guild_id=w.guild.id)
        )
    with pytest.raises(discord.NotFound):
        await w.client.http.request(Route("GET", "/no/such/route"))
    problems = w.fake.take_problems()
    assert len(problems) == 2
    assert "not implemented" in problems[0] and "not in Discord" in problems[1]


async def test_empty_message_and_unknown_channel(world: World) -> None:
    w = await started(world)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as err:
        await w.client.http.send_message(w.general.id, params=handle_message_parameters(content=""))
    assert err.value.code == 50006
    w.fake.take_problems()
    with pytest.raises(discord.NotFound) as nf:
        await w.client.http.get_message(w.general.id, 12345)
    assert nf.value.code == 10008
    with pytest.raises(discord.NotFound) as nf:
        await w.client.http.get_channel(12345)
    assert nf.value.code == 10003
    assert w.fake.problems == []


# --------------------------------------------------------------------------- faults
async def test_429_with_via_is_retried_by_discord_py(world: World) -> None:
    w = await started(world)
    w.fake.faults.add(
        "POST", r"^/channels/\d+/messages$", status=429, retry_after=0.05, count=1, via=True
    )
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after the rate limit")
    assert [m.content for m in w.fake.messages_in(w.general)] == ["after the rate limit"]
    assert [r.status for r in w.fake.requests_to("POST", r"/messages$")] == [429, 200]


async def test_429_without_via_raises_with_discord_headers(world: World) -> None:
    w = await started(world)
    w.fake.faults.add("POST", r"^/channels/\d+/messages$", status=429, retry_after=1.5, count=1)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as err:
        await channel.send("nope")
    assert err.value.status == 429
    headers = err.value.response.headers
    assert (
        "Via" not in headers
        and headers["Retry-After"] == "2"
        and headers["X-RateLimit-Remaining"] == "0"
    )
    assert w.fake.messages_in(w.general) == []
    await channel.send("now it works")
    assert len(w.fake.messages_in(w.general)) == 1


async def test_500_twice_then_success_arrives_once(world: World) -> None:
    w = await started(world)
    w.fake.faults.add("POST", r"^/channels/\d+/messages$", status=500, count=2)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await channel.send("eventually")
    assert loop.time() - t0 >= 1  # discord.py's own backoff
    assert [m.content for m in w.fake.messages_in(w.general)] == ["eventually"]
    assert [r.status for r in w.fake.requests_to("POST", r"/messages$")] == [500, 500, 200]


async def test_delay_with_apply_then_delay(world: World) -> None:
    w = await started(world)
    w.fake.faults.add("POST", r"^/channels/\d+/messages$", delay=5, apply_then_delay=True)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(channel.send("slow"), 0.3)
    assert [m.content for m in w.fake.messages_in(w.general)] == ["slow"]


async def test_enforce_nonce_returns_the_first_message(world: World) -> None:
    w = await started(world)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("once", nonce="abc123")
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=w.general.id)
    again = await w.client.http.request(
        route, json={"content": "once", "nonce": "abc123", "enforce_nonce": True}
    )
    assert int(again["id"]) == first.id
    assert [m.content for m in w.fake.messages_in(w.general)] == ["once"]


# --------------------------------------------------------------------------- commands
async def test_tree_sync_and_invalid_commands(world: World) -> None:
    w = world
    w.tree.command(name="ping", description="Ping")(_noop)
    await synced(w)
    assert w.fake.command_names() == ["ping"]
    route = Route(
        "PUT", "/applications/{application_id}/commands", application_id=w.fake.application_id
    )
    with pytest.raises(discord.HTTPException) as err:
        await w.client.http.request(route, json=[{"name": "Ping", "description": "x", "type": 1}])
    assert err.value.code == 50035 and "lowercase" in str(err.value)
    with pytest.raises(discord.HTTPException) as err:
        await w.client.http.request(
            route, json=[{"name": "ping", "description": "x" * 101, "type": 1}]
        )
    assert err.value.code == 50035
    with pytest.raises(discord.HTTPException) as err:
        await w.client.http.request(route, json=[{"name": "ping", "description": "", "type": 1}])
    assert len(w.fake.take_problems()) == 3
    assert w.fake.command_names() == ["ping"]


async def _noop(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong")


async def test_slash_with_subcommand_options_and_resolved_objects(world: World) -> None:
    w = world
    setup = app_commands.Group(name="setup", description="Configure")
    seen: dict[str, object] = {}

    @setup.command(name="escalation-channel", description="Where alerts go")
    async def escalation(
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        role: discord.Role,
        note: str,
    ) -> None:
        seen.update(
            channel=channel, role=role, note=note, locale=interaction.locale, user=interaction.user
        )
        await interaction.response.send_message(f"alerts to {channel.mention}", ephemeral=True)

    w.tree.add_command(setup)
    await synced(w)
    w.fake.make_admin(w.guild, w.admin)
    res = await w.fake.slash(
        w.member,
        "setup escalation-channel",
        guild=w.guild,
        channel=w.general,
        options={"channel": w.general.id, "role": w.mods, "note": "hi"},
    )
    assert res.type == 4 and res.ephemeral
    assert res.text == f"alerts to <#{w.general.id}>"
    chan, role = seen["channel"], seen["role"]
    assert isinstance(chan, discord.TextChannel) and chan.id == w.general.id
    assert isinstance(role, discord.Role) and role.id == w.mods.id
    assert seen["note"] == "hi" and seen["locale"] == discord.Locale.french
    assert isinstance(seen["user"], discord.Member)
    assert w.fake.messages_in(w.general) == []  # ephemeral: not in the channel
    with pytest.raises(InteractionRefused):
        await w.fake.slash(w.member, "setup nope", guild=w.guild)
    with pytest.raises(InteractionRefused):
        await w.fake.slash(w.member, "unregistered", guild=w.guild)
    with pytest.raises(InteractionRefused):
        await w.fake.slash(
            w.member, "setup escalation-channel", guild=w.guild, options={"channel": w.general.id}
        )


async def test_deferred_response_and_followup(world: World) -> None:
    w = world

    @w.tree.command(name="slow", description="Takes time")
    async def slow(interaction: discord.Interaction) -> None:  # pyright: ignore[reportUnusedFunction]
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done")
        await interaction.followup.send("and more")

    await synced(w)
    res = await w.fake.slash(w.member, "slow", guild=w.guild, channel=w.general)
    assert res.type == 5 and not res.ephemeral
    assert res.text == "done"
    await res.wait_messages(2)
    assert [m.content for m in res.messages] == ["done", "and more"]
    assert [m.content for m in w.fake.messages_in(w.general)] == ["done", "and more"]


async def test_modal_opened_and_submitted(world: World) -> None:
    w = world

    class Feedback(discord.ui.Modal, title="Feedback"):
        text = discord.ui.TextInput(label="What happened?", custom_id="what")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)

    @w.tree.command(name="feedback", description="Tell us")
    async def feedback(interaction: discord.Interaction) -> None:  # pyright: ignore[reportUnusedFunction]
        await interaction.response.send_modal(Feedback())

    await synced(w)
    res = await w.fake.slash(w.member, "feedback", guild=w.guild, channel=w.general)
    assert res.type == 9 and res.modal is not None and res.modal.input_ids() == ["what"]
    with pytest.raises(InteractionRefused):
        await w.fake.submit_modal(w.member, res, {"wrong": "x"})
    res = await w.fake.slash(w.member, "feedback", guild=w.guild, channel=w.general)
    with pytest.raises(InteractionRefused):
        await w.fake.submit_modal(w.admin, res, {"what": "x"})  # not their modal
    done = await w.fake.submit_modal(w.member, res, {"what": "it was kind"})
    assert done.text == "thanks: it was kind" and done.ephemeral


async def test_button_click_select_and_refusals(world: World) -> None:
    w = world
    clicks: list[str] = []

    class Panel(discord.ui.View):
        @discord.ui.button(label="Go", custom_id="panel:go")
        async def go(
            self, interaction: discord.Interaction, button: discord.ui.Button[Panel]
        ) -> None:
            clicks.append("go")
            await interaction.response.edit_message(content="went")

        @discord.ui.select(
            custom_id="panel:pick", options=[discord.SelectOption(label="A", value="a")]
        )
        async def pick(
            self, interaction: discord.Interaction, select: discord.ui.Select[Panel]
        ) -> None:
            clicks.append(select.values[0])
            await interaction.response.send_message("picked", ephemeral=True, view=Confirm())

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Sure?", custom_id="confirm:yes")
        async def yes(
            self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
        ) -> None:
            await interaction.response.edit_message(content="confirmed", view=None)

    @w.tree.command(name="panel", description="Show panel")
    async def panel(interaction: discord.Interaction) -> None:  # pyright: ignore[reportUnusedFunction]
        await interaction.response.send_message("panel", view=Panel())

    await synced(w)
    res = await w.fake.slash(w.member, "panel", guild=w.guild, channel=w.general)
    msg = res.message
    assert set(msg.custom_ids()) == {"panel:go", "panel:pick"}
    clicked = await w.fake.click(w.member, msg, "panel:go")
    assert clicked.type == 7 and clicked.text == "went"
    assert w.fake.messages_in(w.general)[0].content == "went"
    picked = await w.fake.select(w.member, msg, "panel:pick", ["a"])
    assert picked.text == "picked" and clicks == ["go", "a"]
    with pytest.raises(InteractionRefused):
        await w.fake.click(w.member, msg, "panel:unknown")
    with pytest.raises(InteractionRefused):
        await w.fake.select(w.member, msg, "panel:pick", ["zzz"])
    # a button on an ephemeral message: only its recipient can click it
    assert picked.ephemeral and picked.message.custom_ids() == ["confirm:yes"]
    with pytest.raises(InteractionRefused):
        await w.fake.click(w.admin, picked.message, "confirm:yes")
    confirmed = await w.fake.click(w.member, picked.message, "confirm:yes")
    assert (
        confirmed.text == "confirmed" and confirmed.ephemeral and confirmed.message.components == []
    )
    own = await w.fake.send_message(w.member, w.general, "not the bot's")
    with pytest.raises(InteractionRefused):
        await w.fake.click(w.member, own, "panel:go")


async def test_autocomplete_returns_choices(world: World) -> None:
    w = world

    @w.tree.command(name="timezone", description="Pick a zone")
    async def timezone(interaction: discord.Interaction, zone: str) -> None:  # pyright: ignore[reportUnusedFunction]
        await interaction.response.send_message(zone)

    @timezone.autocomplete("zone")
    async def zones(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["America/New_York", "America/Chicago", "Europe/Paris"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    await synced(w)
    choices = await w.fake.autocomplete(
        w.member, "timezone", focused="zone", value="Amer", guild=w.guild
    )
    assert [c["value"] for c in choices] == ["America/New_York", "America/Chicago"]


async def test_late_and_double_acknowledgements(world: World) -> None:
    w = world
    errors: list[discord.HTTPException] = []

    @w.tree.command(name="late", description="Too slow")
    async def late(interaction: discord.Interaction) -> None:  # pyright: ignore[reportUnusedFunction]
        await asyncio.sleep(0.4)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as e:
            errors.append(e)

    @w.tree.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:  # pyright: ignore[reportUnusedFunction]
        await interaction.response.send_message("one")
        try:
            await interaction.client.http.request(
                Route(
                    "POST",
                    "/interactions/{interaction_id}/{interaction_token}/callback",
                    interaction_id=interaction.id,
                    interaction_token=interaction.token,
                ),
                json={"type": 4, "data": {"content": "two"}},
            )
        except discord.HTTPException as e:
            errors.append(e)

    await synced(w)
    w.fake.interaction_deadline = 0.2
    res = await w.fake.slash(w.member, "late", guild=w.guild, channel=w.general)
    assert res.error_status == 10062 and res.type is None
    await w.fake.wait_until(lambda: len(errors) == 1)
    assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
    w.fake.interaction_deadline = 3.0
    res = await w.fake.slash(w.member, "twice", guild=w.guild, channel=w.general)
    await w.fake.wait_until(lambda: len(errors) == 2)
    assert errors[1].status == 400 and errors[1].code == 40060
    assert [m.content for m in res.messages] == ["one"]
    assert len(w.fake.take_problems()) == 1


# --------------------------------------------------------------------------- bot changing state
async def test_bot_creates_role_and_channel_with_overwrites(world: World) -> None:
    w = await started(world)
    g = w.client.get_guild(w.guild.id)
    assert g is not None
    role = await g.create_role(
        name="Peer Supporters", permissions=discord.Permissions(view_channel=True)
    )
    assert w.fake.role_by_name(w.guild, "Peer Supporters").permissions == P.VIEW_CHANNEL
    overwrites: dict[
        discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
    ] = {
        g.default_role: discord.PermissionOverwrite(view_channel=False),
        role: discord.PermissionOverwrite(view_channel=True, send_messages=True),
        g.me: discord.PermissionOverwrite(view_channel=True),
    }
    chan = await g.create_text_channel("circle", overwrites=overwrites, reason="setup")
    state = w.fake.channel_by_name(w.guild, "circle")
    assert {(o.id, o.type, o.allow, o.deny) for o in state.permission_overwrites} == {
        (w.guild.id, 0, 0, P.VIEW_CHANNEL),
        (role.id, 0, P.VIEW_CHANNEL | P.SEND_MESSAGES, 0),
        (w.fake.bot_user.id, 1, P.VIEW_CHANNEL, 0),
    }
    assert w.fake.requests_to("POST", r"/channels$")[0].reason == "setup"
    await w.fake.wait_until(
        lambda: g.get_channel(chan.id) is not None and g.get_role(role.id) is not None
    )
    cached = g.get_channel(chan.id)
    assert isinstance(cached, discord.TextChannel)
    assert cached.overwrites_for(role).send_messages is True
    # a permission the bot lacks cannot be granted in an overwrite
    with pytest.raises(discord.Forbidden) as err:
        await chan.set_permissions(role, administrator=True)
    assert err.value.code == 50013
    # nor can roles above the bot be given
    top = w.fake.create_role(w.guild, "Top")
    top.position = 99
    member = g.get_member(w.member.id)
    assert member is not None
    with pytest.raises(discord.Forbidden):
        await member.add_roles(discord.Object(top.id))
    await member.add_roles(role)
    assert role.id in w.fake.member(w.guild, w.member).roles


async def test_threads_pins_and_timeouts(world: World) -> None:
    w = await started(world)
    channel = w.client.get_channel(w.general.id)
    assert isinstance(channel, discord.TextChannel)
    msg = await channel.send("start here")
    thread = await msg.create_thread(name="talk")
    assert thread.id == msg.id
    private = await channel.create_thread(
        name="secret", type=discord.ChannelType.private_thread, invitable=False
    )
    member = channel.guild.get_member(w.member.id)
    assert member is not None
    await private.add_user(member)
    state = w.fake.channel(private.id)
    assert state.type == 12 and w.member.id in state.member_ids
    await msg.pin()
    assert w.fake.message(msg.id).pinned
    assert [m.id async for m in channel.pins()] == [msg.id]
    until = discord.utils.utcnow() + __import__("datetime").timedelta(minutes=10)
    await member.timeout(until)
    assert w.fake.member(w.guild, w.member).communication_disabled_until is not None
    await w.fake.wait_until(
        lambda: (m := channel.guild.get_member(w.member.id)) is not None and m.is_timed_out()
    )


# --------------------------------------------------------------------------- gateway faults & DMs
async def test_drop_gateway_resumes_and_replays(world: World) -> None:
    w = await started(world)
    resumed = asyncio.Event()

    @w.client.event
    async def on_resumed() -> None:  # pyright: ignore[reportUnusedFunction]
        resumed.set()

    await w.fake.drop_gateway(wait=False)
    chan = w.fake.create_text_channel(w.guild, "while-away")  # dispatched while disconnected
    await w.fake.wait_until_resumed(timeout=5)
    await asyncio.wait_for(resumed.wait(), 5)
    g = w.client.get_guild(w.guild.id)
    assert g is not None
    await w.fake.wait_until(lambda: g.get_channel(chan.id) is not None)
    assert w.fake.gateway.resumes == 1 and w.fake.gateway.identifies == 1


async def test_dm_to_user_with_closed_dms(world: World) -> None:
    w = await started(world)
    user = await w.client.fetch_user(w.member.id)
    await user.send("hello")
    assert [m.content for m in w.fake.dm_messages(w.member)] == ["hello"]
    w.fake.close_dms(w.member)
    with pytest.raises(discord.Forbidden) as err:
        await user.send("again")
    assert err.value.code == 50007
    assert w.fake.problems == []


async def test_scheduled_events(world: World) -> None:
    w = await started(world)
    g = w.client.get_guild(w.guild.id)
    assert g is not None
    import datetime as dt

    start = discord.utils.utcnow() + dt.timedelta(days=1)
    ev = await g.create_scheduled_event(
        name="Meeting",
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Online",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert [e.name for e in w.fake.scheduled_events(w.guild)] == ["Meeting"]
    await ev.edit(name="Weekly meeting")
    await w.fake.wait_until(
        lambda: (e := g.get_scheduled_event(ev.id)) is not None and e.name == "Weekly meeting"
    )
    await ev.delete()
    assert w.fake.scheduled_events(w.guild) == []
