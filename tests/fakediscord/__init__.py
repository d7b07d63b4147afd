"""A strict loopback Discord for testing the bot through the real discord.py stack."""

from .errors import ApiError, InteractionRefused
from .fake import FakeDiscord
from .faults import Fault, Faults, Recorded
from .interactions import InteractionResult, Modal
from .models import Channel, Guild, Member, Message, Overwrite, Role, ScheduledEvent, User
from .spec import SpecNotFound, find_spec_path, load_spec

__all__ = [
    "ApiError",
    "Channel",
    "FakeDiscord",
    "Fault",
    "Faults",
    "Guild",
    "InteractionRefused",
    "InteractionResult",
    "Member",
    "Message",
    "Modal",
    "Overwrite",
    "Recorded",
    "Role",
    "ScheduledEvent",
    "SpecNotFound",
    "User",
    "find_spec_path",
    "load_spec",
]
