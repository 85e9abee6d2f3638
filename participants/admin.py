from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from participants.models import Application, Participant
from participants.services import (
    participant_reactivate,
    participant_register,
    participant_suspend,
    participant_update,
    participant_validate,
)


class ParticipantForm(forms.ModelForm):
    """Checks what the registration service checks, so a refusal is shown on its field."""

    api_base = forms.URLField(required=False, assume_scheme="https", max_length=300)
    redirect_uris = forms.CharField(
        required=False,
        help_text="Banks only: the redirect URIs of the authorization-code flow, separated by spaces.",
    )
    # The kind the admin page manages (Banks, Providers); None where the form asks for it.
    fixed_kind: str | None = None

    class Meta:
        model = Participant
        fields = ["name", "kind", "api_base", "data_categories"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            # The hub registers its own fetcher client; an operator never creates one.
            kinds = self.fields["kind"].choices
            self.fields["kind"].choices = [(value, label) for value, label in kinds if value != Participant.Kind.HUB]

    def clean(self) -> dict:
        cleaned = super().clean()
        existing = self.instance if self.instance.pk else None
        kind = existing.kind if existing else self.fixed_kind or cleaned.get("kind")
        if kind not in Participant.Kind.values:
            # The kind field already says what is wrong; nothing else can be judged without it.
            return cleaned
        try:
            participant_validate(
                kind=kind,
                name=cleaned.get("name", ""),
                redirect_uris=cleaned.get("redirect_uris", "").split(),
                api_base=cleaned.get("api_base", ""),
                data_categories=cleaned.get("data_categories"),
                existing=existing,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                # A field the form already refused keeps the form's own message.
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


class ApplicationInline(admin.TabularInline):
    model = Application
    fields = ["client_id", "authorization_grant_type", "redirect_uris", "created"]
    readonly_fields = ["client_id", "authorization_grant_type", "created"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ParticipantAdmin(admin.ModelAdmin):
    """Onboarding goes through the same service as ``manage.py register_participant``."""

    form = ParticipantForm
    kind: str | None = None
    list_display = ["name", "slug", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "status", "suspended_at", "created_at"]
    inlines = [ApplicationInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset.filter(kind=self.kind) if self.kind else queryset

    def get_inlines(self, request: HttpRequest, obj=None) -> list:
        # The client is created by the registration itself, so only an existing participant shows it.
        return self.inlines if obj else []

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        kind = obj.kind if obj else self.kind
        fields = ["name"] if kind else ["name", "kind"]
        if kind in (None, Participant.Kind.PROVIDER):
            fields += ["api_base", "data_categories"]
        if obj is None and kind in (None, Participant.Kind.BANK):
            # Set at registration; later the client's own redirect URIs are edited below.
            fields.append("redirect_uris")
        return fields + list(self.get_readonly_fields(request, obj))

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.fixed_kind = self.kind
        return form

    def save_model(self, request: HttpRequest, obj: Participant, form: ParticipantForm, change: bool) -> None:
        actor = f"user:{request.user.get_username()}"
        if change:
            participant_update(
                participant=obj,
                name=obj.name,
                api_base=obj.api_base,
                data_categories=obj.data_categories,
                actor=actor,
            )
            return
        registration = participant_register(
            kind=self.kind or obj.kind,
            name=obj.name,
            redirect_uris=form.cleaned_data.get("redirect_uris", "").split(),
            api_base=obj.api_base,
            data_categories=obj.data_categories,
            actor=actor,
        )
        obj.pk = registration.participant.pk
        messages.warning(
            request,
            f"Client id {registration.application.client_id} and client secret "
            f"{registration.client_secret}: copy the secret now, it is stored hashed and shown only once.",
        )

    @admin.action(description="Suspend: refuse tokens and revoke the live ones")
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        for participant in queryset:
            participant_suspend(participant=participant, actor=f"user:{request.user.get_username()}")
        self.message_user(request, f"Suspended {queryset.count()} participant(s).")

    @admin.action(description="Reactivate")
    def reactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        for participant in queryset:
            participant_reactivate(participant=participant, actor=f"user:{request.user.get_username()}")
        self.message_user(request, f"Reactivated {queryset.count()} participant(s).")


admin.site.register(Participant, ParticipantAdmin)
