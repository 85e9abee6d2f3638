"""The demo world: banks, sandbox providers, SMEs with a user of each role, and an operator.

Idempotent: a second run finds everything in place and changes nothing. Client secrets and
the demo password are generated once and kept in a git-ignored file, since the database
stores secrets only hashed.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.crypto import get_random_string

from businesses.models import Business, Membership
from hub.demo_history import seed_history
from hub.fx import fx_load_csv
from participants.models import Participant
from participants.services import application_reset_secret, participant_register
from providers.services import fetcher_credentials, sandbox_register

BANKS = ["Harbour Bank", "Kowloon Commercial Bank", "Lantau Credit Union"]
# Five sandbox providers that together hold all six categories.
PROVIDERS = [
    ("ShopLane", ["sales"]),
    ("PayBridge", ["payments"]),
    ("LedgerLeaf", ["invoices", "profile"]),
    ("SwiftShip Logistics", ["logistics"]),
    ("CityGrid Utilities", ["utilities"]),
]
SME_COUNT = 50
DEMO_FX_RATES = Path(__file__).resolve().parent / "data" / "demo-fx-rates.csv"
_NAME_PARTS = (
    ["Harbour", "Golden", "Jade", "Peak", "Lotus", "Victoria", "Star", "Dragon", "Pearl", "Bamboo"],
    [
        "Tea House",
        "Trading",
        "Electronics",
        "Bakery",
        "Print Shop",
        "Florist",
        "Logistics",
        "Tailors",
        "Noodles",
        "Optical",
    ],
)


@dataclass
class DemoCredentials:
    password: str
    clients: dict[str, dict[str, str]]

    @classmethod
    def load(cls, path: Path) -> "DemoCredentials":
        if path.exists():
            data = json.loads(path.read_text())
            return cls(password=data["password"], clients=data["clients"])
        return cls(password=get_random_string(14), clients={})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"password": self.password, "clients": self.clients}, indent=2))
        path.chmod(0o600)


def sme_brn(number: int) -> str:
    return f"{10000000 + number * 7919:08d}"


def sme_name(number: int) -> str:
    first, second = _NAME_PARTS
    return f"{first[number % 10]} {second[(number // 10 + number) % 10]} Ltd"


def _ensure_participant(kind: str, name: str, credentials: DemoCredentials, **fields) -> Participant:
    participant = Participant.objects.filter(name=name).first()
    if participant is None:
        registration = participant_register(kind=kind, name=name, **fields)
        participant = registration.participant
        credentials.clients[participant.slug] = {
            "kind": kind,
            "client_id": registration.application.client_id,
            "client_secret": registration.client_secret,
        }
        return participant
    if participant.kind == Participant.Kind.PROVIDER and participant.api_base != fields.get("api_base", ""):
        # The hub moved (HUB_BASE_URL changed): its sandbox providers move with it.
        participant.api_base = fields["api_base"]
        participant.save(update_fields=["api_base"])
    if participant.kind == Participant.Kind.BANK and fields.get("redirect_uris"):
        # So does the demo banks' callback, which is a page of the hub's.
        redirect_uris = " ".join(fields["redirect_uris"])
        participant.applications.exclude(redirect_uris=redirect_uris).update(redirect_uris=redirect_uris)
    if participant.slug not in credentials.clients:
        application = participant.applications.order_by("id").first()
        credentials.clients[participant.slug] = {
            "kind": kind,
            "client_id": application.client_id,
            "client_secret": application_reset_secret(application=application),
        }
    return participant


def _ensure_smes(password_hash: str) -> None:
    users = get_user_model().objects
    for number in range(1, SME_COUNT + 1):
        business, _ = Business.objects.get_or_create(brn=sme_brn(number), defaults={"legal_name": sme_name(number)})
        for role in Membership.Role.values:
            user, _ = users.get_or_create(username=f"sme{number:02d}-{role}", defaults={"password": password_hash})
            Membership.objects.get_or_create(user=user, business=business, defaults={"role": role})


def seed_demo() -> DemoCredentials:
    path = Path(settings.DEMO_CREDENTIALS_FILE)
    credentials = DemoCredentials.load(path)
    password_hash = make_password(credentials.password)
    with transaction.atomic():
        for name in BANKS:
            _ensure_participant(
                Participant.Kind.BANK,
                name,
                credentials,
                redirect_uris=[f"{settings.HUB_BASE_URL}/sandbox/bank/callback"],
            )
        for name, categories in PROVIDERS:
            slug = name.lower().replace(" ", "-")
            provider = _ensure_participant(
                Participant.Kind.PROVIDER,
                name,
                credentials,
                api_base=f"{settings.HUB_BASE_URL}/sandbox/providers/{slug}",
                data_categories=categories,
            )
            sandbox_register(participant=provider)
        fetcher_credentials()
        fx_load_csv(path=DEMO_FX_RATES)
        _ensure_participant(Participant.Kind.OPERATOR, "Hub Monitoring", credentials)
        _ensure_smes(password_hash)
        seed_history()
        get_user_model().objects.get_or_create(
            username="operator", defaults={"password": password_hash, "is_staff": True, "is_superuser": True}
        )
    credentials.save(path)
    return credentials
