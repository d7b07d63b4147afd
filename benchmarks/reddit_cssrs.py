"""The Reddit C-SSRS set, read for benchmarks/train_distress_model.py (issue 16), never committed.

Source: M. Gaur, A. Alambo, J. P. Sain, U. Kursuncu, K. Thirunarayan, R. Kavuluru, A. Sheth,
R. S. Welton, J. Pathak, "Knowledge-aware Assessment of Severity of Suicide Risk for Early
Intervention", The Web Conference (WWW) 2019; the data set "Reddit C-SSRS Suicide Dataset",
Zenodo, https://doi.org/10.5281/zenodo.2667859, licensed CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). The file `500_Reddit_users_posts_labels.csv`:
500 Reddit users, each with the list of their posts (`Post`, a Python list literal; 28 rows are
cut off at 32,759 characters, their last post is dropped) and one user-level label (`Label`):
Supportive, Indicator, Ideation, Behavior, Attempt (the C-SSRS-based scale of the paper).

It holds real people's words about suicide: download it from Zenodo yourself, keep it outside the
repository, and give its path in the environment variable REDDIT_CSSRS_CSV. Used in training,
it must be attributed as above (CC BY 4.0).
"""

from __future__ import annotations

import ast
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "REDDIT_CSSRS_CSV"
SOURCE = (
    "Reddit C-SSRS Suicide Dataset (Gaur et al., Knowledge-aware Assessment of Severity of "
    "Suicide Risk for Early Intervention, WWW 2019), https://doi.org/10.5281/zenodo.2667859, "
    "CC BY 4.0"
)
LABELS = ("Supportive", "Indicator", "Ideation", "Behavior", "Attempt")
USERS = 500
GROUP = "reddit_cssrs"
WEIGHT = 0.3
NEGATIVES = ("Supportive",)
POSITIVES: tuple[str, ...] = ()
HELP = f"""\
The Reddit C-SSRS set (optional outside data, never committed): {SOURCE}.
Authors: M. Gaur, A. Alambo, J. P. Sain, U. Kursuncu, K. Thirunarayan, R. Kavuluru, A. Sheth,
R. S. Welton, J. Pathak. Licence: Creative Commons Attribution 4.0,
https://creativecommons.org/licenses/by/4.0/ (the weights file's header carries the attribution
as `meta.attribution`). Download 500_Reddit_users_posts_labels.csv from
https://doi.org/10.5281/zenodo.2667859, keep it outside the repository (it holds real people's
words about suicide) and give its path in ${ENV} or --reddit-cssrs. Its labels are
per user, over long posts: the sentences of the users labelled {", ".join(NEGATIVES)}
(replies to people in crisis) are learned as negatives, each weighing --reddit-weight of one of
the project's messages, in every fold's training; they are never held out, scored or used to
choose a threshold. (Sentences of the users labelled Ideation, Behavior or Attempt as positives
made the model worse held out: see cogs/escalation/data/model/README.md.)"""
_STRING = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class User:
    user: str
    label: str
    posts: list[str]


def posts_of(field: str) -> list[str]:
    """The posts of one row: a Python list literal of strings, possibly cut off (then the
    complete strings before the cut)."""
    try:
        value = ast.literal_eval(field)
    except (SyntaxError, ValueError):
        found: list[str] = []
        for match in _STRING.finditer(field):
            if match.end() == len(field):
                break
            found.append(str(ast.literal_eval(match.group())))
        return found
    return [str(p) for p in value] if isinstance(value, list) else [str(value)]


def load(path: Path) -> list[User]:
    """The users of the file; refuses a file that is not this data set (500 users, the five
    labels)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or set(reader.fieldnames) != {"User", "Post", "Label"}:
            raise SystemExit(f"{path}: expected the columns User, Post, Label ({ENV})")
        users = [User(r["User"], r["Label"], posts_of(r["Post"])) for r in reader]
    labels = {u.label for u in users}
    if len(users) != USERS or len({u.user for u in users}) != USERS or labels != set(LABELS):
        raise SystemExit(
            f"{path}: not the Reddit C-SSRS set ({len(users)} rows, labels {sorted(labels)}; "
            f"expected {USERS} users labelled {', '.join(LABELS)})"
        )
    return users


def sentences(post: str) -> list[str]:
    """A post split after each full stop, question or exclamation mark."""
    return [s.strip() for s in _SENTENCE.split(post) if s.strip()]


def examples(
    path: Path,
    negatives: tuple[str, ...] = NEGATIVES,
    positives: tuple[str, ...] = POSITIVES,
    min_words: int = 4,
) -> list[tuple[str, int, str]]:
    """(sentence, label, the user's label) for each sentence of at least `min_words` words of
    the users labelled one of `negatives` (0) or `positives` (1). The labels are the user's, on
    all their posts: a sentence of a user labelled Ideation is most often not itself a crisis
    statement, while a Supportive user's sentences are replies to people in crisis (asking what
    is wrong, urging them to stay safe, naming suicide in the second person), which must not
    alert."""
    from cogs.escalation.detection.learned import tokens

    out: list[tuple[str, int, str]] = []
    for user in load(path):
        if user.label in negatives:
            label = 0
        elif user.label in positives:
            label = 1
        else:
            continue
        for post in user.posts:
            for sentence in sentences(post):
                if len(tokens(sentence)) >= min_words:
                    out.append((sentence, label, user.label))
    return out
