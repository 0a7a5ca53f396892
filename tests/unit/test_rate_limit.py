"""The token bucket behind the per-token rate limit (``api/ratelimit.py``)."""

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.ratelimit import RateLimiter
from ledger.domain.errors import RateLimited


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


rates = st.floats(min_value=0.01, max_value=1000, allow_nan=False)
bursts = st.integers(min_value=1, max_value=500)
gaps = st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), max_size=300)
# Pure arithmetic, but a loaded CI machine must not turn a slow example into a failure.
PATIENT = settings(deadline=None)


@PATIENT
@given(per_s=rates, burst=bursts, gaps=gaps)
def test_a_token_never_gets_more_than_its_burst_plus_the_rate_times_the_time(
    per_s: float, burst: int, gaps: list[float]
) -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_s, burst, clock)
    allowed = 0
    for gap in gaps:
        clock.now += gap
        allowed += limiter.wait_s("t") == 0
        assert allowed <= burst + per_s * clock.now + 1e-6


@PATIENT
@given(per_s=rates, burst=bursts)
def test_a_fresh_token_gets_its_whole_burst_at_once(per_s: float, burst: int) -> None:
    limiter = RateLimiter(per_s, burst, FakeClock())
    assert all(limiter.wait_s("t") == 0 for _ in range(burst))
    assert limiter.wait_s("t") > 0


@PATIENT
@given(per_s=rates, burst=bursts)
def test_waiting_the_time_it_names_lets_the_next_request_pass(per_s: float, burst: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_s, burst, clock)
    for _ in range(burst):
        limiter.wait_s("t")
    wait = limiter.wait_s("t")
    clock.now += wait * (1 + 1e-9)
    assert limiter.wait_s("t") == 0


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    clock = FakeClock()
    limiter = RateLimiter(100.0, 1, clock)
    limiter.check("t")
    with pytest.raises(RateLimited) as fast:
        limiter.check("t")
    assert fast.value.retry_after_s == 1  # 10 ms away, still 1 s
    slow = RateLimiter(0.4, 1, clock)
    slow.check("t")
    with pytest.raises(RateLimited) as raised:
        slow.check("t")
    assert raised.value.retry_after_s == 3  # 2.5 s, rounded up


def test_each_token_has_its_own_bucket() -> None:
    limiter = RateLimiter(1.0, 2, FakeClock())
    assert [limiter.wait_s("a") == 0 for _ in range(3)] == [True, True, False]
    assert [limiter.wait_s("b") == 0 for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize(("per_s", "burst"), [(0, 10), (10, 0), (0, 0)])
def test_zero_switches_the_limit_off(per_s: float, burst: int) -> None:
    limiter = RateLimiter(per_s, burst, FakeClock())
    assert not limiter.enabled
    assert all(limiter.wait_s("t") == 0 for _ in range(1000))


def test_threads_together_get_exactly_the_burst() -> None:
    limiter = RateLimiter(0.001, 100, FakeClock())  # the clock stands still
    passed: list[bool] = []

    def take() -> None:
        for _ in range(50):
            passed.append(limiter.wait_s("t") == 0)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(passed) == 100
