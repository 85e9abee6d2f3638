"""Onboarding and editing participants in the Django admin: a refusal is shown on its field, never a 500."""

import json

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEntry
from participants.models import Application, Participant


@pytest.fixture
def staff_client(client, db):
    client.force_login(get_user_model().objects.create_superuser(username="op", password="op-password-123"))
    return client


def change_form(registration, **fields) -> dict:
    """The POST of a participant's change page: its fields and the (unchanged) client inline."""
    participant, application = registration.participant, registration.application
    return {
        "name": participant.name,
        "api_base": participant.api_base,
        "data_categories": json.dumps(participant.data_categories),
        "applications-TOTAL_FORMS": "1",
        "applications-INITIAL_FORMS": "1",
        "applications-MIN_NUM_FORMS": "0",
        "applications-MAX_NUM_FORMS": "1000",
        "applications-0-id": str(application.pk),
        "applications-0-participant": str(participant.pk),
        "applications-0-redirect_uris": application.redirect_uris,
        **fields,
    }


def test_a_bank_whose_name_gives_a_taken_slug_is_refused_on_the_name_field(staff_client, bank_a):
    response = staff_client.post("/admin/banks/bank/add/", {"name": "bank a", "redirect_uris": "https://a.example/cb"})
    assert response.status_code == 200
    assert "slug 'bank-a'" in " ".join(response.context["adminform"].form.errors["name"])
    assert Participant.objects.count() == 1


def test_a_bank_with_a_redirect_uri_the_toolkit_refuses_is_refused_on_that_field(staff_client):
    form = {"name": "Peak Bank", "redirect_uris": "javascript:alert(1)"}
    response = staff_client.post("/admin/banks/bank/add/", form)
    assert response.status_code == 200
    assert "redirect_uris" in response.context["adminform"].form.errors
    assert not Participant.objects.exists()
    assert not Application.objects.exists()


def test_a_provider_given_a_redirect_uri_is_refused_on_that_field(staff_client):
    response = staff_client.post(
        "/admin/participants/participant/add/",
        {
            "name": "Odd Shop",
            "kind": "provider",
            "data_categories": '["sales"]',
            "redirect_uris": "https://x.example/cb",
        },
    )
    assert response.status_code == 200
    assert "Only banks" in " ".join(response.context["adminform"].form.errors["redirect_uris"])
    assert not Participant.objects.exists()


def test_a_provider_with_an_unknown_category_is_refused_on_that_field(staff_client):
    response = staff_client.post(
        "/admin/providers/provider/add/", {"name": "Odd Shop", "data_categories": '["horoscopes"]'}
    )
    assert response.status_code == 200
    assert "horoscopes" in " ".join(response.context["adminform"].form.errors["data_categories"])
    assert not Participant.objects.exists()


def test_the_operator_cannot_create_a_participant_of_the_hub_kind(staff_client):
    page = staff_client.get("/admin/participants/participant/add/")
    assert 'value="hub"' not in page.content.decode()
    assert 'value="bank"' in page.content.decode()
    response = staff_client.post("/admin/participants/participant/add/", {"name": "Fake Fetcher", "kind": "hub"})
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert not Participant.objects.exists()


def test_editing_a_provider_refuses_an_unknown_category_and_keeps_the_row(staff_client, provider):
    url = f"/admin/providers/provider/{provider.participant.pk}/change/"
    response = staff_client.post(url, change_form(provider, data_categories='["sales", "horoscopes"]'))
    assert response.status_code == 200
    assert "horoscopes" in " ".join(response.context["adminform"].form.errors["data_categories"])
    provider.participant.refresh_from_db()
    assert provider.participant.data_categories == ["sales"]


def test_editing_a_provider_saves_known_categories_and_keeps_the_slug(staff_client, provider):
    url = f"/admin/providers/provider/{provider.participant.pk}/change/"
    form = change_form(provider, name="Shop One Ltd", data_categories='["sales", "payments"]')
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider.participant.refresh_from_db()
    assert provider.participant.data_categories == ["sales", "payments"]
    assert (provider.participant.name, provider.participant.slug) == ("Shop One Ltd", "shop-one")


def test_editing_a_provider_may_clear_its_categories(staff_client, provider):
    url = f"/admin/providers/provider/{provider.participant.pk}/change/"
    response = staff_client.post(url, change_form(provider, data_categories=""))
    assert response.status_code == 302
    provider.participant.refresh_from_db()
    assert provider.participant.data_categories == []


def test_editing_a_bank_offers_no_provider_fields(staff_client, bank_a):
    page = staff_client.get(f"/admin/banks/bank/{bank_a.participant.pk}/change/").content.decode()
    assert 'name="api_base"' not in page
    assert 'name="data_categories"' not in page
    assert 'name="name"' in page


def test_the_admin_records_the_operator_in_the_audit_log(staff_client, bank_a, provider):
    staff_client.post("/admin/banks/bank/", {"action": "suspend", "_selected_action": [bank_a.participant.pk]})
    staff_client.post("/admin/banks/bank/", {"action": "reactivate", "_selected_action": [bank_a.participant.pk]})
    staff_client.post("/admin/banks/bank/add/", {"name": "Peak Bank", "redirect_uris": "https://peak.example/cb"})
    url = f"/admin/providers/provider/{provider.participant.pk}/change/"
    staff_client.post(url, change_form(provider, data_categories='["sales", "payments"]'))
    recorded = AuditEntry.objects.filter(actor="user:op").order_by("sequence")
    assert list(recorded.values_list("action", "object_id")) == [
        ("participant.suspended", "bank-a"),
        ("participant.reactivated", "bank-a"),
        ("participant.registered", "peak-bank"),
        ("participant.updated", "shop-one"),
    ]
