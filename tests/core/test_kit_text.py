"""bot/kit/timestamps.py and bot/kit/links.py: Discord timestamps and jump links."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.kit.links import channel_url, jump_url, message_url
from bot.kit.timestamps import stamp, stamp_and_relative

MOMENT = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
EPOCH = int(MOMENT.timestamp())


def test_stamp_of_epochs_and_aware_datetimes() -> None:
    assert stamp(EPOCH) == f"<t:{EPOCH}:F>"  # moderation's default
    assert stamp(EPOCH, "f") == f"<t:{EPOCH}:f>"  # confidentiality's
    assert stamp(float(EPOCH) + 0.9, "R") == f"<t:{EPOCH}:R>"
    elsewhere = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    assert stamp(elsewhere, "D") == f"<t:{EPOCH}:D>"
    assert stamp_and_relative(EPOCH) == f"<t:{EPOCH}:F> (<t:{EPOCH}:R>)"


def test_stamp_refuses_what_would_show_a_wrong_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        stamp(datetime(2027, 3, 2, 12, 0))
    with pytest.raises(ValueError, match="style"):
        stamp(EPOCH, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        stamp(True)


def test_jump_links() -> None:
    assert message_url(1, 2, 3) == "https://discord.com/channels/1/2/3"
    assert message_url(None, 2, 3) == "https://discord.com/channels/@me/2/3"
    assert channel_url(1, 2) == "https://discord.com/channels/1/2"
    assert jump_url(1, 2, 3) == message_url(1, 2, 3)
    assert jump_url(1, 2, None) is None  # not posted yet
    assert jump_url(1, None, 3) is None


def test_the_kit_pieces_services_use_never_import_discord() -> None:
    """Services may import these (tests/test_project.py checks the services themselves)."""
    root = Path(__file__).resolve().parents[2] / "bot"
    modules = ["kit/__init__.py", "kit/durations.py", "kit/timestamps.py", "kit/links.py"]
    for name in [*modules, "registry.py"]:
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not [m for m in imported if m == "discord" or m.startswith("discord.")], name
