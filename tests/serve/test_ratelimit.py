from __future__ import annotations

import pytest

from thg.serve.ratelimit import RateLimiter, RateLimitError


def test_bucket_allows_a_burst_then_refills_per_client():
    now = [0.0]
    limiter = RateLimiter(3, "jobs", clock=lambda: now[0])
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(RateLimitError, match=r"at most 3 a minute\); try again in 20 s"):
        limiter.take("a")
    limiter.take("b")            # another client is not affected
    now[0] = 20.0                # one token back after 60/3 s
    limiter.take("a")
    with pytest.raises(RateLimitError):
        limiter.take("a")


def test_zero_means_no_limit():
    limiter = RateLimiter(0, "jobs")
    for _ in range(1000):
        limiter.take("a")
