"""Sends spaced to the mail service's quota, on a fake clock: each caller, from any thread,
gets its own slot `1/rate` after the last; nobody waits when the rate is not reached."""

from __future__ import annotations

import threading

import pytest
from builders import an_email
from moto_server import MotoServer
from moto_ses import fake_aws_credentials, verify_identity

from engine.adapters.mailer_url import open_mailer
from engine.adapters.pacing import Pacer
from engine.adapters.ses_mailer import SesMailer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(round(seconds, 6))


def test_calls_beyond_the_rate_wait_for_their_own_slot() -> None:
    clock = FakeClock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        pacer.wait()
    assert clock.slept == [0.25, 0.5, 0.75]  # the first goes at once

    clock.now += 10  # a quiet spell: the next goes at once again
    pacer.wait()
    assert clock.slept == [0.25, 0.5, 0.75]


def test_threads_share_one_schedule() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=pacer.wait) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(clock.slept) == [round(n / 10, 6) for n in range(1, 8)]


@pytest.mark.parametrize("rate", ["0", "-3", "fast", ""])
def test_a_quota_that_is_not_a_rate_is_refused(rate: str) -> None:
    with pytest.raises(ValueError, match=r"max_send_rate|empty"):
        open_mailer(f"ses://eu-west-1?from=guide@og.example&max_send_rate={rate}", sender="x")


def test_the_ses_mailer_spaces_its_sends_to_the_quota(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_aws_credentials(monkeypatch)
    verify_identity("guide@og.example", moto_server.url)
    spec = f"ses://eu-west-1?from=guide@og.example&max_send_rate=14&endpoint_url={moto_server.url}"
    opened = open_mailer(spec, sender="x")
    assert isinstance(opened, SesMailer) and opened.max_send_rate == 14
    clock = FakeClock()
    mailer = SesMailer(
        "eu-west-1",
        "guide@og.example",
        endpoint_url=moto_server.url,
        pacer=Pacer(14, clock=clock, sleep=clock.sleep),
    )
    for n in range(3):
        mailer.send(an_email(to_email=f"c{n}@example.test", customer_id=f"C{n}"))
    assert clock.slept == [round(1 / 14, 6), round(2 / 14, 6)]
