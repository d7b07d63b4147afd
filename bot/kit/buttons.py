"""`PersistentButton`: the base of every button that must work after a restart.

It is a discord.py DynamicItem whose custom id is built from a prefix and typed fields
(`groups:join:12`), parsed back when the button is pressed, so the state comes from the database
then. A subclass declares its shape as class arguments and writes `pressed`:

    class JoinButton(PersistentButton, prefix="groups:join", fields={"group": int}):
        group: int  # for pyright: the fields become attributes

        async def pressed(self, interaction: discord.Interaction[Any]) -> None:
            await actions(interaction).join_by_id(interaction, self.group)

    view.add_item(JoinButton(group=12, label=t("Join"), style=discord.ButtonStyle.primary))

Class arguments: `prefix` ("feature:what"), `fields` (name -> `int`, `str`, a tuple of allowed
words such as `("accept", "decline")`, or `INT_LIST` for "3-7-9"), `audience` (who may press it,
checked with `bot.access` before `pressed`; default everyone), `group_field` (the field holding
the group a leader must lead, for `audience=Audience.LEADER`), `owner_field` (the field holding
the only user who may press it; others read `not_yours`) and `style` (the default style).

Errors (a UserError from the service, a failed check, a bug) go through the tree's one error
handler (`bot.tree.report_error`): the member reads a kind private answer, never "This
interaction failed". The log line names the button's class, never its custom id, which may
name a member's choice.

Rules, the same on every button:
- labels: whitespace collapsed, at most 80 characters (Discord's limit), shortened with "…";
  never empty;
- styles: `primary` for the one main action of a message (Join, Claim), `success` for
  saying yes (Going, Accept, Approve, I agree, Resolve, Confirm), `secondary` for everything else
  (Decline, Not now, Maybe, Dismiss, Who's coming); `danger` is not used: no single press
  destroys anything;
- a subclass does not override `__init__` (the button is rebuilt from its custom id with the
  fields as keywords); add a classmethod if it needs a friendlier constructor.

Replaced the hand-written DynamicItems in cogs/groups/views.py (JoinButton, OfferButton,
RequestButton, RecreateButton), cogs/meetings/views.py (RsvpButton, WhoButton),
cogs/feedback/views.py (VoteButton, ConfirmVoteButton), cogs/moderation/views.py
(ReportButton), cogs/escalation/views.py (CaseButton, ContactButton) and
cogs/confidentiality/views.py (AgreeButton, NotNowButton), and the `guarded` decorator they
needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from bot.checks import Audience
from bot.errors import UserError
from bot.i18n import N_
from bot.tree import report_error

LABEL_MAX = 80  # Discord's limit for a button's label
CUSTOM_ID_MAX = 100  # Discord's limit for a custom id
NOT_YOURS = N_("This button is for someone else.")


@dataclass(frozen=True)
class Field:
    """How one field of a custom id is written, matched and read back."""

    pattern: str
    read: Callable[[str], Any]
    write: Callable[[Any], str] = str


INT = Field(r"[0-9]+", int)
WORD = Field(r"[A-Za-z0-9_]+", str)
INT_LIST = Field(
    r"[0-9]+(?:-[0-9]+)*",
    lambda text: [int(part) for part in text.split("-")],
    lambda values: "-".join(str(int(v)) for v in values),
)


def one_of(*words: str) -> Field:
    for word in words:
        if not re.fullmatch(WORD.pattern, word):
            raise ValueError(f"{word!r} cannot be a custom-id word")
    return Field("|".join(re.escape(w) for w in words), str)


FieldSpec = Field | type | tuple[str, ...]


def _field(spec: FieldSpec) -> Field:
    if isinstance(spec, Field):
        return spec
    if spec is int:
        return INT
    if spec is str:
        return WORD
    if isinstance(spec, tuple):
        return one_of(*spec)
    raise TypeError(f"unsupported custom-id field type {spec!r}")


def button_label(text: str) -> str:
    """The label rule: whitespace collapsed, at most 80 characters, never empty."""
    label = " ".join(text.split())
    if not label:
        raise ValueError("a button needs a label")
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


_NEVER = r"(?!x)x"  # PersistentButton itself matches no custom id
_RESERVED = frozenset({"item", "values", "pressed", "check", "parse"})


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_NEVER):
    """See the module docstring."""

    prefix: ClassVar[str] = ""
    fields: ClassVar[dict[str, Field]] = {}
    audience: ClassVar[Audience] = Audience.MEMBER
    group_field: ClassVar[str | None] = None
    owner_field: ClassVar[str | None] = None
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    not_yours: ClassVar[str] = NOT_YOURS

    def __init_subclass__(
        cls,
        *,
        prefix: str | None = None,
        fields: Mapping[str, FieldSpec] | None = None,
        audience: Audience | None = None,
        group_field: str | None = None,
        owner_field: str | None = None,
        style: discord.ButtonStyle | None = None,
        **kwargs: Any,
    ) -> None:
        if prefix is not None:
            cls.prefix = prefix
            cls.fields = {name: _field(spec) for name, spec in (fields or {}).items()}
        for name in cls.fields:
            if hasattr(PersistentButton, name) or name in _RESERVED:
                raise TypeError(f"{cls.__name__}: a field cannot be called {name!r}")
        if audience is not None:
            cls.audience = audience
        if group_field is not None:
            cls.group_field = group_field
        if owner_field is not None:
            cls.owner_field = owner_field
        if style is not None:
            cls.style = style
        for name in (cls.group_field, cls.owner_field):
            if name is not None and name not in cls.fields:
                raise TypeError(f"{cls.__name__}: no field {name!r}")
        template = _NEVER
        if cls.prefix:
            template = re.escape(cls.prefix) + "".join(
                f":(?P<{name}>{field.pattern})" for name, field in cls.fields.items()
            )
        super().__init_subclass__(template=template, **kwargs)

    def __init__(
        self,
        *,
        label: str,
        style: discord.ButtonStyle | None = None,
        disabled: bool = False,
        row: int | None = None,
        **values: Any,
    ) -> None:
        self.values = values
        super().__init__(
            discord.ui.Button(
                label=button_label(label),
                style=style or type(self).style,
                disabled=disabled,
                custom_id=self.custom_id_for(**values),
            ),
            row=row,
        )
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def custom_id_for(cls, **values: Any) -> str:
        """The custom id of the button with these field values."""
        if not cls.prefix:
            raise TypeError(f"{cls.__name__} has no prefix: it is a base class")
        if set(values) != set(cls.fields):
            raise TypeError(f"{cls.__name__} takes the fields {sorted(cls.fields)}")
        parts = [cls.prefix]
        for name, field in cls.fields.items():
            text = field.write(values[name])
            if not re.fullmatch(field.pattern, text):
                raise ValueError(f"{cls.__name__}: {name}={values[name]!r} does not fit")
            parts.append(text)
        custom_id = ":".join(parts)
        if len(custom_id) > CUSTOM_ID_MAX:
            raise ValueError(f"custom id {custom_id!r} is longer than {CUSTOM_ID_MAX}")
        return custom_id

    @classmethod
    def parse(cls, custom_id: str) -> dict[str, Any] | None:
        """The field values in `custom_id`, or None when it is not one of these buttons."""
        match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match is None:
            return None
        return {name: field.read(match[name]) for name, field in cls.fields.items()}

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> PersistentButton:
        values = {name: field.read(match[name]) for name, field in cls.fields.items()}
        return cls(label=item.label or "…", style=item.style, disabled=item.disabled, **values)

    async def check(self, interaction: discord.Interaction[Any]) -> None:
        """The owner and audience checks; raises what the member should read."""
        if self.owner_field is not None and interaction.user.id != self.values[self.owner_field]:
            raise UserError(self.not_yours)
        if self.audience > Audience.MEMBER:
            group_id = self.values[self.group_field] if self.group_field else None
            await interaction.client.access.require(interaction, self.audience, group_id=group_id)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        """What pressing does: call the feature (through a small Protocol, not the cog)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.check(interaction)
            await self.pressed(interaction)
        except Exception as error:
            # The class name only: a custom id may name a member's choice (a vote, an RSVP),
            # and the error log line carries the member's id.
            await report_error(interaction, error, source=type(self).__name__)
