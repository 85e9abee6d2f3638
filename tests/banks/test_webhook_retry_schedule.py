"""A receiver that is down for hours still gets its events: the retries span the whole schedule."""

from banks.services import retry_delay
from cdi.settings import base as shipped


def test_the_delay_doubles_from_the_base_up_to_the_cap_with_bounded_jitter(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 5.0, 3600.0
    assert 4.0 <= retry_delay(1) <= 6.0
    assert 8.0 <= retry_delay(2) <= 12.0
    assert 0.8 * 3600 <= retry_delay(25) <= 1.2 * 3600


def test_the_shipped_schedule_covers_most_of_a_day_even_with_the_shortest_jitter(settings):
    # The values the hub ships with, not the suite's shortened ones.
    base, cap, attempts = (
        shipped.WEBHOOK_RETRY_BASE_SECONDS,
        shipped.WEBHOOK_RETRY_MAX_SECONDS,
        shipped.WEBHOOK_MAX_ATTEMPTS,
    )
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = base, cap
    delays = [retry_delay(n) for n in range(1, attempts)]
    assert all(delay >= 0.8 * min(base * 2 ** (n - 1), cap) for n, delay in enumerate(delays, start=1))
    assert sum(0.8 * min(base * 2 ** (n - 1), cap) for n in range(1, attempts)) > 16 * 3600
