"""Failure classification, Retry-After, rejected and dropped parameters, the adaptive limit."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from hhvalues.evals.providers.base import (
    Failure,
    dropped_keys,
    parse_retry_after,
    rejected_params,
    split_kwargs,
)
from hhvalues.evals.runner import AdaptiveLimit


@pytest.mark.parametrize(
    ("failure", "retry", "abort"),
    [
        (Failure("status", "", status=429), True, False),
        (Failure("status", "", status=500), True, False),
        (Failure("status", "", status=529), True, False),
        (Failure("status", "", status=408), True, False),
        (Failure("timeout", ""), True, False),
        (Failure("connection", ""), True, False),
        (Failure("status", "", status=400), False, False),
        (Failure("status", "", status=422), False, False),
        (Failure("status", "", status=401), False, True),
        (Failure("status", "", status=403), False, True),
        (Failure("status", "", status=404), False, True),
        (Failure("client", ""), False, True),
    ],
)
def test_classification(failure: Failure, retry: bool, abort: bool) -> None:
    assert failure.retryable is retry and failure.aborts_run is abort


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after({"retry-after": date}) or 0) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_rejected_and_dropped() -> None:
    body = {"model": "m", "max_tokens": 5, "messages": [], "temperature": 1.0, "top_p": 0.9}
    assert rejected_params(body, "`temperature` is not supported with this model") == (
        "temperature",
    )
    assert rejected_params(body, "max_tokens too large") == ()
    assert dropped_keys(body, {**body, "temperature": 1.0}) == ()
    assert dropped_keys(body, {k: v for k, v in body.items() if k != "top_p"}) == ("top_p",)
    assert dropped_keys(body, {**body, "temperature": 0.0}) == ("temperature",)
    known, extra = split_kwargs(body, ["model", "max_tokens", "messages"])
    assert set(known) == {"model", "max_tokens", "messages"} and extra == {
        "temperature": 1.0,
        "top_p": 0.9,
    }


def test_adaptive_limit_cuts_on_429_and_grows_when_clean() -> None:
    async def scenario() -> list[float]:
        lim = AdaptiveLimit(32, start=4)
        seen = []
        for _ in range(10):
            await lim.acquire()
            await lim.release(throttled=False)
        seen.append(lim.limit)
        await lim.acquire()
        await lim.release(throttled=True)
        seen.append(lim.limit)
        for _ in range(7):
            await lim.acquire()
            await lim.release(throttled=False)
        seen.append(lim.limit)
        for _ in range(100):
            await lim.acquire()
            await lim.release(throttled=True)
        seen.append(lim.limit)
        return seen

    grown, cut, regrown, floor = asyncio.run(scenario())
    assert grown == 14 and cut == 7 and 7 < regrown < 8 and floor == 1


def test_adaptive_limit_bounds_concurrency() -> None:
    async def scenario() -> int:
        lim = AdaptiveLimit(3, start=3)
        active = peak = 0

        async def one() -> None:
            nonlocal active, peak
            await lim.acquire()
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.001)
            active -= 1
            await lim.release(throttled=False)

        await asyncio.gather(*(one() for _ in range(30)))
        return peak

    assert asyncio.run(scenario()) == 3
