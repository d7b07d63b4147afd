"""What mentoring keeps and the words it offers: profiles, matches, option lists (no discord)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_

MENTEE, MENTOR, BUDDY = "mentee", "mentor", "buddy"
MATCH_MENTOR, MATCH_BUDDY = "mentor", "leader_buddy"

ROLES = {"patient": N_("Patient"), "survivor": N_("Survivor"), "caregiver": N_("Caregiver")}
CANCER_TYPES = (
    "Breast", "Prostate", "Lung", "Bowel", "Blood", "Skin", "Brain", "Ovarian", "Pancreatic",
    "Childhood", "Other",
)  # fmt: skip
STAGES = {
    "early": N_("Early (0-II)"),
    "advanced": N_("Advanced (III-IV)"),
    "remission": N_("In remission"),
    "unknown": N_("Not sure / rather not say"),
}
AGE_BANDS = ("18-29", "30-44", "45-59", "60-74", "75+")
AGE_LABELS = {  # a Discord choice's name, so that a reader's language can add "años"
    "18-29": N_("18-29"),
    "30-44": N_("30-44"),
    "45-59": N_("45-59"),
    "60-74": N_("60-74"),
    "75+": N_("75+"),
}
GENDERS = {
    "woman": N_("Woman"),
    "man": N_("Man"),
    "nonbinary": N_("Non-binary"),
    "unsaid": N_("Rather not say"),
}
# Named in their own words; the other languages carry a gloss in the reader's (a Discord choice).
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "fr": N_("Français"),
    "de": N_("Deutsch"),
    "pt": N_("Português"),
}
FREQUENCIES = {
    "weekly": N_("About once a week"),
    "fortnightly": N_("Every two weeks"),
    "monthly": N_("About once a month"),
}
# What a member may ask to match: hard ("must") filters, soft ("would like") scores.
CRITERIA = {
    "role": N_("same role"),
    "cancer": N_("same cancer type"),
    "stage": N_("same stage"),
    "treatment": N_("a shared treatment"),
    "age": N_("same age band"),
    "gender": N_("same gender"),
    "language": N_("a shared language"),
    "zone": N_("a close time zone"),
}


@dataclass(frozen=True)
class Profile:
    id: int
    guild_id: int
    user_id: int
    kind: str
    status: str
    role: str
    cancer_type: str | None
    stage: str | None
    treatments: frozenset[str]
    age_band: str | None
    gender: str | None
    languages: frozenset[str]
    time_zone: str
    musts: frozenset[str]
    wishes: frozenset[str]
    frequency: str
    words: str
    capacity: int
    created_at: int


@dataclass(frozen=True)
class Match:
    id: int
    guild_id: int
    kind: str
    mentee_id: int
    mentor_id: int
    status: str
    mentee_ok: bool
    mentor_ok: bool
    confirmed_by: int
    requested_at: int
    confirmed_at: int
    started_at: int | None
    thread_id: int | None
    next_checkin_at: int | None

    def other(self, user_id: int) -> int:
        return self.mentor_id if user_id == self.mentee_id else self.mentee_id

    def includes(self, user_id: int) -> bool:
        return user_id in (self.mentee_id, self.mentor_id)


@dataclass(frozen=True)
class Suggestion:
    profile: Profile
    score: float
    reasons: tuple[str, ...]  # CRITERIA keys that matched


@dataclass(frozen=True)
class Settings:
    coordinator_role_id: int | None = None
    thread_channel_id: int | None = None
    notice_channel_id: int | None = None
