"""FakeDiscord: a strict loopback Discord (REST + gateway on 127.0.0.1) for discord.py tests."""

from __future__ import annotations

from . import rest_channels, rest_guilds, rest_interactions  # noqa: F401  (register the routes)
from .people import People


class FakeDiscord(People):
    """World building (create_guild, add_member, ...), state to assert on, REST + gateway server,
    faults on demand, and helpers acting as people (send_message, slash, click, ...).

    ```python
    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    ```
    """
