from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from participants.models import Application, Participant
from participants.services import participant_reactivate, participant_register, participant_suspend


class ParticipantForm(forms.ModelForm):
    api_base = forms.URLField(required=False, assume_scheme="https", max_length=300)
    redirect_uris = forms.CharField(
        required=False,
        help_text="Banks only: the redirect URIs of the authorization-code flow, separated by spaces.",
    )

    class Meta:
        model = Participant
        fields = ["name", "kind", "api_base", "data_categories"]


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

    def get_exclude(self, request: HttpRequest, obj=None):
        excluded = ["kind"] if self.kind or obj else []
        return excluded + ([] if obj is None else ["redirect_uris"])

    def save_model(self, request: HttpRequest, obj: Participant, form: ParticipantForm, change: bool) -> None:
        if change:
            obj.save(update_fields=["name", "api_base", "data_categories"])
            return
        registration = participant_register(
            kind=self.kind or obj.kind,
            name=obj.name,
            redirect_uris=form.cleaned_data.get("redirect_uris", "").split(),
            api_base=obj.api_base,
            data_categories=obj.data_categories,
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
            participant_suspend(participant=participant)
        self.message_user(request, f"Suspended {queryset.count()} participant(s).")

    @admin.action(description="Reactivate")
    def reactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        for participant in queryset:
            participant_reactivate(participant=participant)
        self.message_user(request, f"Reactivated {queryset.count()} participant(s).")


admin.site.register(Participant, ParticipantAdmin)
