"""The purpose catalogue: the one place that says what each purpose allows."""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from hub.categories import Category


@dataclass(frozen=True)
class Purpose:
    code: str
    label: str
    description: str
    # The longest data date range a consent for this purpose may cover.
    max_data_months: int
    # The longest a consent for this purpose may stay in force.
    max_duration: timedelta
    # "one_off": each (provider, category) is fetched once; "periodic": again after min_fetch_interval.
    fetch_kind: str
    min_fetch_interval: timedelta | None
    # How long the bank may keep the data after it was fetched.
    retention: timedelta
    categories: frozenset[str]

    @property
    def is_periodic(self) -> bool:
        return self.fetch_kind == "periodic"

    def allows_range(self, date_from: date, date_to: date) -> bool:
        """Whether data from date_from to date_to spans no more than max_data_months."""
        try:
            earliest = date_to - relativedelta(months=self.max_data_months)
        except (ValueError, OverflowError):
            # date_to is closer than that to the first day a date can name, so no start is too early.
            return True
        return date_from >= earliest


ONE_OFF = "one_off"
PERIODIC = "periodic"

PURPOSES: dict[str, Purpose] = {
    purpose.code: purpose
    for purpose in [
        Purpose(
            code="credit_assessment",
            label=_("Credit assessment"),
            description=_("To assess an application for credit, once."),
            max_data_months=24,
            max_duration=timedelta(days=90),
            fetch_kind=ONE_OFF,
            min_fetch_interval=None,
            retention=timedelta(days=90),
            categories=frozenset(Category.values),
        ),
        Purpose(
            code="credit_monitoring",
            label=_("Credit monitoring"),
            description=_("To monitor an existing credit facility, with data refreshed at most daily."),
            max_data_months=12,
            max_duration=timedelta(days=365),
            fetch_kind=PERIODIC,
            min_fetch_interval=timedelta(days=1),
            retention=timedelta(days=365),
            categories=frozenset(Category.values) - {Category.PROFILE.value},
        ),
        Purpose(
            code="kyc_profile",
            label=_("Know-your-customer profile"),
            description=_("To confirm the business's registered profile."),
            max_data_months=1,
            max_duration=timedelta(days=30),
            fetch_kind=ONE_OFF,
            min_fetch_interval=None,
            retention=timedelta(days=30),
            categories=frozenset({Category.PROFILE.value}),
        ),
    ]
}
