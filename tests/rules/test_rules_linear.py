"""Parsing takes time linear in the doc's size, whatever its shape.

A quadratic step hides in small docs and takes minutes on a big one (a 60,000-step plan
took 38 s), so each shape is parsed at two sizes, the second 8 times the first, and the
times compared: linear work takes about 8 times as long, quadratic work 64 times. The test
fails at 24 times, three times the linear ratio, so it needs no quiet machine: the times are
the process's CPU time, without garbage collection, the best of several runs, and the big
doc is timed again only while it looks a little too slow. Counting operations instead would miss
where quadratic parsing really hides: inside a regular expression backtracking over a run of
spaces, or `in` on a list, neither of which Python can count.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from engine.rules import parse_rules

DEFAULTS = "Nudge after 2 days, flag after 3 more days.\nOwner: Dana Reyes <@U0DANA>.\n"
MESSAGES = (
    "\n## Messages\n### Nudge\nSubject: Re: {original_subject}\n\nb\n"
    "### Wrap-up\nSubject: done\n\nb\n"
)
FACTOR = 8
BOUND = 3 * FACTOR


def steps(n: int) -> list[str]:
    return [f"step {i} on day {i}" for i in range(n)]


def plan(n: int) -> str:
    return "Big plan: " + ", ".join(steps(n)) + "."


# Each shape makes a doc from a count; the count is picked for a doc of about 10-40 kB.
SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "a plan of n steps on one line": (lambda n: DEFAULTS + plan(n) + MESSAGES, 800),
    "a plan of n steps, one a line": (
        lambda n: DEFAULTS + "Big plan:\n" + ",\n".join(steps(n)) + ".\n" + MESSAGES,
        800,
    ),
    "n sentences, one a line, in one paragraph": (
        lambda n: DEFAULTS + "\n".join(f"Note {i} is here." for i in range(n)) + MESSAGES,
        1000,
    ),
    "n sentences on one line": (
        lambda n: DEFAULTS + " ".join(f"Note {i} is here." for i in range(n)) + MESSAGES,
        1000,
    ),
    "n plans in one paragraph": (
        lambda n: DEFAULTS + "\n".join(f"P{i} plan: a on day 0." for i in range(n)) + MESSAGES,
        800,
    ),
    "n rules one a line, no periods": (
        lambda n: (
            "\n".join(f"Owner: P{i} <@U{i}>\nS{i}: nudge after 1 day" for i in range(n)) + MESSAGES
        ),
        500,
    ),
    "n step windows a plan of n steps lacks": (
        lambda n: (
            DEFAULTS
            + plan(n)
            + "\n"
            + "\n".join(f"X{i}: nudge after 1 day, flag after 1 more day." for i in range(n))
            + MESSAGES
        ),
        400,
    ),
    "n messages for no step of a plan of n steps": (
        lambda n: (
            DEFAULTS
            + plan(n)
            + "\n## Messages\n"
            + "".join(f"### ghost {i}\nSubject: s\n\nb\n" for i in range(n))
        ),
        400,
    ),
    "a plan of n steps with a message each": (
        lambda n: (
            DEFAULTS
            + plan(n)
            + "\n## Messages\n"
            + "".join(f"### step {i}\nSubject: s\n\nb {{done_link}}\n" for i in range(n))
            + "### Nudge\nSubject: Re: {original_subject}\n\nb\n### Wrap-up\nSubject: d\n\nb\n"
        ),
        300,
    ),
    "a message between n blank lines": (
        lambda n: (
            DEFAULTS
            + plan(1)
            + "\n## Messages\n### Step 0\n"
            + "\n" * n
            + "Subject: s\n"
            + "\n" * n
            + "b\n"
            + "\n" * n
            + MESSAGES.removeprefix("\n## Messages\n")
        ),
        10_000,
    ),
    "runs of n spaces inside names, headings and subjects": (
        lambda n: (
            DEFAULTS
            + f"Big{' ' * n}x plan: a{' ' * n}b on day 0.\n"
            + f"A{' ' * n}b: nudge after 1 day, flag after 1 more day.\n"
            + f"Nudge after 1 day{' ' * n}x.\n"
            + f"## a{' ' * n}b\n"
            + f"## Messages\n### A{' ' * n}#x\nSubject: a{' ' * n}b\n\nb\n"
        ),
        5_000,
    ),
    "a hand-off list of n people named by email": (
        lambda n: (
            DEFAULTS
            + "Hand-off owners: "
            + ", ".join(f"P{i} <p{i}@acme.com>" for i in range(n))
            + "\n"
            + plan(1)
            + MESSAGES
        ),
        1_000,
    ),
    "an owner named with n words and no address": (
        lambda n: DEFAULTS.replace("Dana Reyes <@U0DANA>", "Sam " * n + "sam") + plan(1) + MESSAGES,
        5_000,
    ),
    "an owner of one word of n characters": (
        lambda n: DEFAULTS.replace("<@U0DANA>", "s" * n + "@acme") + plan(1) + MESSAGES,
        20_000,
    ),
    "n unclosed mentions": (
        lambda n: DEFAULTS + "Hand-off owners: " + "<@U1|" * n + "\n" + plan(1) + MESSAGES,
        5_000,
    ),
}


@contextmanager
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cpu_seconds(text: str) -> float:
    with no_gc():
        start = time.process_time()
        parse_rules(text)
        return time.process_time() - start


def best(text: str, runs: int) -> float:
    return min(cpu_seconds(text) for _ in range(runs))


@pytest.mark.parametrize("shape", SHAPES)
def test_parsing_time_grows_linearly_with_the_doc(shape: str) -> None:
    make, count = SHAPES[shape]
    small, big = make(count), make(count * FACTOR)
    assert len(big.encode()) <= 1_000_000, "the big doc must be one the guide reads"
    size_ratio = len(big) / len(small)
    assert FACTOR * 0.8 < size_ratio < FACTOR * 1.2
    # Clock ticks of a very fast parse are noise: a floor keeps the ratio meaningful.
    small_time = max(best(small, runs=5), 0.002)
    ratio = float("inf")
    for _ in range(3):
        ratio = min(ratio, cpu_seconds(big) / small_time)
        if ratio < BOUND or ratio > 2 * BOUND:  # fast, or too slow to be noise
            break
    assert ratio < BOUND, f"{shape}: {FACTOR}x the doc took {ratio:.0f}x the time"
