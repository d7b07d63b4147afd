"""`PersistentModal`: the base of every form (modal) a feature opens, answered the same way
whether the bot restarted while it was open or not, and never mixed with another person's.

discord.py keeps an open modal in its ViewStore under its custom id alone (`_modals[custom_id]`),
and forgets it when it is answered, when it times out and when the bot restarts. A form with a
fixed id therefore breaks when two people have it open at once: the second opening replaces the
first, the first answer is handed to the second person's form (its group, its poll question),
and the second answer finds nothing ("This interaction failed"). So the kit never lets
discord.py hold a form:

- its custom id is unique to each opening and carries the little it needs:
  `escalation:note:<token>:resolve:42` = the prefix, a token (the opening interaction's id in
  base 36), then typed fields as on `PersistentButton` (ids, a word, a number of seconds; never
  a member's text, never a secret);
- what the member typed comes back in the answer itself (an input may be prefilled);
- nothing is kept on an instance between opening and answer: the form is stopped before it is
  sent, so discord.py's ViewStore never holds it, and every answer goes through the bot's one
  route (`ModalRoutes`, `bot.modals`): its `on_interaction` listener finds the form by prefix,
  rebuilds it from its custom id and calls `submitted` with the answers. A form opened before
  a restart is answered after it exactly like any other.

A subclass declares its shape as class arguments and writes the title, the inputs and
`submitted`:

    class NoteModal(PersistentModal, prefix="escalation:note",
                    fields={"action": ("resolve", "false"), "case_id": int},
                    audience=Audience.MODERATOR):
        action: str
        case_id: int

        def heading(self, t: Translate) -> str:
            return t("Resolve alert #{case}", case=self.case_id)

        def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
            return [discord.ui.TextInput(label=t("Note"), custom_id="note")]

        async def submitted(self, interaction, answers: Answers) -> None:
            await actions(interaction).note_submitted(
                interaction, self.case_id, self.action, answers.text("note"))

    await NoteModal(action="resolve", case_id=42).open(interaction)

The feature declares it in `persistent_modals` on its `Feature` (bot/feature.py), which adds it
to `bot.modals` on load and removes it on unload.

Class arguments: `prefix`, `fields` (as `PersistentButton`'s, plus `OPTIONAL_INT` for an id that
may be absent), `audience` and `group_field` (checked with `bot.access` before `submitted`;
default everyone), and `legacy`: a pattern for ids written before the kit (named groups for the
fields), so a form already open when the bot was upgraded is still answered.

Errors go through the tree's one handler (`bot.tree.report_error`), logged with the class name
only, never the custom id. Titles: whitespace collapsed, at most 45 characters ("…").

Replaced the fixed-id modals of /support and the alert's note (cogs/escalation/views.py),
/feedback and /poll create (cogs/feedback/views.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import discord

from bot.checks import Audience
from bot.i18n import Translate
from bot.kit.buttons import CUSTOM_ID_MAX, Field, FieldSpec, _field
from bot.tree import report_error, translator
from bot.ui import BaseModal

TITLE_MAX = 45  # Discord's limit for a modal's title
TOKEN = r"[0-9a-z]{1,16}"
OPTIONAL_INT = Field(
    r"[0-9]*", lambda text: int(text) if text else None, lambda v: "" if v is None else str(int(v))
)
_RESERVED = frozenset({"values", "token", "heading", "inputs", "submitted", "check", "open"})


LABEL_MAX = 45  # a text input's or a label's label
HINT_MAX = 100  # a placeholder, a label's description


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit_to_discord(item: Any) -> Any:
    """A translation may be longer than the English it replaces: labels and hints are clipped
    to Discord's limits rather than the form refused (a Spanish /support must always open)."""
    if isinstance(item, discord.ui.TextInput):
        shown = item._underlying  # TextInput.label is deprecated (and warns) in discord.py 2.6
        if shown.label and len(shown.label) > LABEL_MAX:
            shown.label = _clip(shown.label, LABEL_MAX)
        if shown.placeholder and len(shown.placeholder) > HINT_MAX:
            shown.placeholder = _clip(shown.placeholder, HINT_MAX)
    elif isinstance(item, discord.ui.Label):
        if len(item.text) > LABEL_MAX:
            item.text = _clip(item.text, LABEL_MAX)
        if item.description and len(item.description) > HINT_MAX:
            item.description = _clip(item.description, HINT_MAX)
        fit_to_discord(item.component)
    return item


def modal_title(text: str) -> str:
    """The title rule: whitespace collapsed, at most 45 characters, never empty."""
    title = " ".join(text.split())
    if not title:
        raise ValueError("a modal needs a title")
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def token_for(interaction_id: int) -> str:
    """The opening interaction's id in base 36: unique to this opening, 13 characters."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    value, out = interaction_id, ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out


@dataclass(frozen=True)
class Answers:
    """What the person typed or picked, by input custom id (selects: the list of values)."""

    values: Mapping[str, str | list[str]] = field(default_factory=dict)

    def text(self, custom_id: str) -> str:
        value = self.values.get(custom_id, "")
        return value if isinstance(value, str) else ""

    @classmethod
    def of(cls, components: Iterable[Any]) -> Answers:
        found: dict[str, str | list[str]] = {}

        def walk(items: Iterable[Any]) -> None:
            for item in items:
                if not isinstance(item, Mapping):
                    continue
                walk(item.get("components") or ())  # an action row
                if isinstance(item.get("component"), Mapping):
                    walk((item["component"],))  # a label
                custom_id = item.get("custom_id")
                if not isinstance(custom_id, str):
                    continue
                if isinstance(item.get("value"), str):
                    found[custom_id] = item["value"]
                elif isinstance(item.get("values"), list):
                    found[custom_id] = [str(v) for v in item["values"]]

        walk(components)
        return cls(found)


class PersistentModal(BaseModal):
    """See the module docstring."""

    prefix: ClassVar[str] = ""
    fields: ClassVar[dict[str, Field]] = {}
    legacy: ClassVar[re.Pattern[str] | None] = None
    audience: ClassVar[Audience] = Audience.MEMBER
    group_field: ClassVar[str | None] = None
    pattern: ClassVar[re.Pattern[str] | None] = None

    def __init_subclass__(
        cls,
        *,
        prefix: str | None = None,
        fields: Mapping[str, FieldSpec] | None = None,
        legacy: str | None = None,
        audience: Audience | None = None,
        group_field: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            cls.prefix = prefix
            cls.fields = {name: _field(spec) for name, spec in (fields or {}).items()}
            cls._check_names()
            cls.pattern = re.compile(
                re.escape(prefix)
                + f":(?P<token>{TOKEN})"
                + "".join(f":(?P<{name}>{f.pattern})" for name, f in cls.fields.items())
            )
            cls.legacy = re.compile(legacy) if legacy is not None else None
        if audience is not None:
            cls.audience = audience
        if group_field is not None:
            cls.group_field = group_field
        if cls.group_field is not None and cls.group_field not in cls.fields:
            raise TypeError(f"{cls.__name__}: no field {cls.group_field!r}")

    @classmethod
    def _check_names(cls) -> None:
        for name in cls.fields:
            if name in _RESERVED or name.startswith("_") or hasattr(PersistentModal, name):
                raise TypeError(f"{cls.__name__}: a field cannot be called {name!r}")

    def __init__(self, *, token: str | None = None, **values: Any) -> None:
        if not type(self).prefix:
            raise TypeError(f"{type(self).__name__} has no prefix: it is a base class")
        if set(values) != set(self.fields):
            raise TypeError(f"{type(self).__name__} takes the fields {sorted(self.fields)}")
        # The title is set when the form opens (in the reader's language); a form rebuilt from
        # an answer is never shown.
        super().__init__(title="…", timeout=None)
        self.values = values
        self.token = token
        for name, value in values.items():
            setattr(self, name, value)
        if token is not None:
            self.custom_id = self.custom_id_for(token, **values)

    # ------------------------------------------------------------------ what a subclass writes

    def heading(self, t: Translate) -> str:
        """The title the person reads."""
        raise NotImplementedError

    def inputs(self, t: Translate) -> Sequence[discord.ui.Item[Any]]:
        """The inputs, in the reader's language (their custom ids name them in `Answers`)."""
        raise NotImplementedError

    async def submitted(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        """What sending the form does: call the feature (through a small Protocol)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ ids

    @classmethod
    def custom_id_for(cls, token: str, **values: Any) -> str:
        if not re.fullmatch(TOKEN, token):
            raise ValueError(f"{cls.__name__}: {token!r} is not a token")
        parts = [cls.prefix, token]
        for name, f in cls.fields.items():
            text = f.write(values[name])
            if not re.fullmatch(f.pattern, text):
                raise ValueError(f"{cls.__name__}: {name}={values[name]!r} does not fit")
            parts.append(text)
        custom_id = ":".join(parts)
        if len(custom_id) > CUSTOM_ID_MAX:
            raise ValueError(f"custom id {custom_id!r} is longer than {CUSTOM_ID_MAX}")
        return custom_id

    @classmethod
    def parse(cls, custom_id: str) -> dict[str, Any] | None:
        """The token and field values in `custom_id`, or None when it is not one of these forms.
        An id of `legacy` shape has the token None."""
        if cls.pattern is not None and (match := cls.pattern.fullmatch(custom_id)):
            values = {name: f.read(match[name]) for name, f in cls.fields.items()}
            return {"token": match["token"], **values}
        if cls.legacy is not None and (match := cls.legacy.fullmatch(custom_id)):
            values = {name: f.read(match[name]) for name, f in cls.fields.items()}
            return {"token": None, **values}
        return None

    # ------------------------------------------------------------------ opening and answering

    async def open(self, interaction: discord.Interaction[Any]) -> None:
        """Show the form, as the answer to `interaction`."""
        t = await translator(interaction)
        self.token = token_for(interaction.id)
        self.custom_id = self.custom_id_for(self.token, **self.values)
        self.title = modal_title(self.heading(t))
        for item in self.inputs(t):
            self.add_item(fit_to_discord(item))
        # Stopped before it is sent, so discord.py does not hold it (its ViewStore keys open
        # forms by custom id alone and forgets them at a restart): `bot.modals` answers it.
        self.stop()
        await interaction.response.send_modal(self)

    async def check(self, interaction: discord.Interaction[Any]) -> None:
        """The audience check; raises what the person should read."""
        if self.audience > Audience.MEMBER:
            group_id = self.values[self.group_field] if self.group_field else None
            await interaction.client.access.require(interaction, self.audience, group_id=group_id)

    async def answer(self, interaction: discord.Interaction[Any], answers: Answers) -> None:
        try:
            await self.check(interaction)
            await self.submitted(interaction, answers)
        except Exception as error:
            # The class name only: the custom id names a case, a group or a poll's settings.
            await report_error(interaction, error, source=f"modal {type(self).__name__}")


class ModalRoutes:
    """Every form kind of the loaded features, by prefix (`bot.modals`), and the one listener
    that answers their submissions."""

    def __init__(self) -> None:
        self._kinds: dict[str, type[PersistentModal]] = {}

    def add(self, *kinds: type[PersistentModal]) -> None:
        for kind in kinds:
            if not kind.prefix:
                raise TypeError(f"{kind.__name__} has no prefix")
            known = self._kinds.get(kind.prefix)
            if known is not None and known is not kind:
                raise RuntimeError(f"modal prefix {kind.prefix!r} is already {known.__name__}")
            self._kinds[kind.prefix] = kind

    def remove(self, *kinds: type[PersistentModal]) -> None:
        for kind in kinds:
            if self._kinds.get(kind.prefix) is kind:
                del self._kinds[kind.prefix]

    def kinds(self) -> tuple[type[PersistentModal], ...]:
        return tuple(self._kinds.values())

    def find(self, custom_id: str) -> PersistentModal | None:
        """The form `custom_id` names, rebuilt from it, or None when no loaded kind has it."""
        for kind in self._kinds.values():
            values = kind.parse(custom_id)
            if values is not None:
                return kind(**values)
        return None

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Mapping[str, Any] = interaction.data or {}  # pyright: ignore[reportAssignmentType]
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            return
        modal = self.find(custom_id)
        if modal is None:
            return  # a form discord.py holds (not on the kit), or of a feature not loaded
        await modal.answer(interaction, Answers.of(data.get("components") or ()))
