"""Typed dates for /meeting schedule on the blind Spanish evaluation data.

    PYTHONPATH=. .venv/bin/python -m benchmarks.typed_dates_eval [--zone Europe/Madrid] [-v]

The data (benchmarks/data/typed_dates_es/dates_es.jsonl, CC0) was written by someone who had not
seen the parser: each line is what a leader types, the moment they type it (local time in the
group's zone) and the reading a careful person would give it, or "refuse". Do not tune the parser
to single lines: read the figures, and where the parser and the data disagree on a judgement
call, say which rule the parser keeps and why.

Each line lands in one of five outcomes:
  accepted, correct                 the session at the time meant
  accepted, WRONG                   a session at another time than the one meant: the dangerous one
  accepted, refusal expected        read where the writer would have asked (a judgement call)
  refused, as expected
  refused, a reading was expected   the leader has to type it again, differently

Where the data and the parser disagree, the parser keeps the rule it has in English (the same
rule in both languages is the point): '18:00' alone is today's 18:00 if still ahead, else
tomorrow's (English '6pm'); '00:00' with a date is the start of that day (what the 12am refusal
asks for); '10:30' is 10:30 (only a one-digit hour such as 6:30 is asked about); and 'el
próximo miércoles' said on a Sunday is the coming Wednesday (the English "next" rule counts
weeks from Monday). These four lines come out as "accepted, refusal expected".

The zone matters only around daylight-saving changes (none falls on the data's moments); the
figures are printed for every zone given (--zone may be repeated).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.errors import UserError
from cogs.meetings.typed_dates import parse_when
from cogs.meetings.zones import to_utc

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "benchmarks" / "data" / "typed_dates_es" / "dates_es.jsonl"
DEFAULT_ZONES = ("Europe/Madrid", "America/Mexico_City", "America/Argentina/Buenos_Aires")

CORRECT = "accepted, correct"
WRONG = "accepted, WRONG"
OVERREAD = "accepted, refusal expected"
REFUSED = "refused, as expected"
UNREAD = "refused, a reading was expected"
OUTCOMES = (CORRECT, WRONG, OVERREAD, REFUSED, UNREAD)


@dataclass(frozen=True)
class Result:
    id: str
    text: str
    expect: str
    outcome: str
    got: str  # the reading (ISO) or the refusal as the leader reads it (English)


def evaluate(line: dict[str, str], zone: str) -> Result:
    now_local = datetime.fromisoformat(line["now"])
    now, _ = to_utc(now_local, zone)
    expect = line["expect"]
    try:
        local = parse_when(line["text"], zone, now)
    except UserError as error:
        shown = error.message.format(**error.params)
        if len(shown) > 100:
            shown = shown[:99] + "…"
        outcome = REFUSED if expect == "refuse" else UNREAD
        return Result(line["id"], line["text"], expect, outcome, shown)
    got = local.strftime("%Y-%m-%dT%H:%M")
    if expect == "refuse":
        outcome = OVERREAD
    else:
        outcome = CORRECT if got == expect else WRONG
    return Result(line["id"], line["text"], expect, outcome, got)


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def report(results: list[Result], zone: str, verbose: bool) -> None:
    counts = Counter(result.outcome for result in results)
    expected_reading = sum(1 for result in results if result.expect != "refuse")
    print(f"\n{zone}: {len(results)} lines ({expected_reading} with a reading expected)")
    for outcome in OUTCOMES:
        print(f"  {outcome:<34} {counts[outcome]:>4}")
    shown = OUTCOMES if verbose else (WRONG, OVERREAD, UNREAD)
    for outcome in shown:
        listed = [result for result in results if result.outcome == outcome]
        if not listed:
            continue
        print(f"  -- {outcome}:")
        for result in listed:
            print(f"     {result.id} {result.text!r}: expected {result.expect}, got {result.got}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--zone", action="append", help="IANA zone (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every line")
    args = parser.parse_args(argv)
    lines = load(args.data)
    wrong = 0
    for zone in args.zone or DEFAULT_ZONES:
        results = [evaluate(line, zone) for line in lines]
        report(results, zone, args.verbose)
        wrong += sum(1 for result in results if result.outcome == WRONG)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
