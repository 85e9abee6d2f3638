"""/o/authorize/ with ``consent_id``: the consent review page is the OAuth consent screen."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.forms import AllowForm
from oauth2_provider.views import AuthorizationView
from oauthlib.oauth2.rfc6749 import errors

from consent.models import Consent, Status
from consent.selectors import consent_for_user
from consent.services import IllegalTransition, NotAllowed, consent_authorise, consent_reject
from participants.models import Application


class ConsentDecisionForm(AllowForm):
    consent_id = forms.UUIDField(widget=forms.HiddenInput())
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])


class ConsentAuthorizationView(AuthorizationView):
    template_name = "consent/review.html"
    form_class = ConsentDecisionForm

    def _consent(self, consent_id, client_id) -> tuple[Consent, object, Application]:
        """The consent this user may see and this client asked for; 404 for anything else."""
        application = Application.objects.filter(client_id=client_id or "").select_related("participant").first()
        try:
            consent, membership = consent_for_user(self.request.user, consent_id)
        except (Http404, ValueError, forms.ValidationError):
            raise Http404 from None
        if application is None or consent.bank_id != application.participant_id:
            raise Http404
        return consent, membership, application

    def get_initial(self) -> dict:
        return {**super().get_initial(), "consent_id": self.request.GET.get("consent_id")}

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        consent, membership, application = self._consent(request.GET.get("consent_id"), request.GET.get("client_id"))
        try:
            scopes, credentials = self.validate_authorization_request(request)
            if credentials.get("code_challenge_method") != "S256":
                raise OAuthToolkitError(
                    error=errors.InvalidRequestError(
                        description="PKCE with code_challenge_method=S256 is required.", state=credentials.get("state")
                    ),
                    redirect_uri=credentials["redirect_uri"],
                )
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        self.oauth2_data = {**credentials, "scopes": scopes}
        context = {"consent": consent, "membership": membership, "application": application}
        if consent.status == Status.AWAITING_AUTHORISATION:
            context["form"] = self.get_form(self.get_form_class())
        return self.render_to_response(self.get_context_data(**context))

    def form_valid(self, form: ConsentDecisionForm) -> HttpResponse:
        data = form.cleaned_data
        consent, membership, application = self._consent(data["consent_id"], data["client_id"])
        credentials = {
            key: data[key]
            for key in (
                "client_id",
                "redirect_uri",
                "response_type",
                "state",
                "code_challenge",
                "code_challenge_method",
            )
            if data.get(key)
        }
        approve = data["decision"] == "approve"
        try:
            if approve:
                # The approval and the code are one: if the code cannot be issued, nothing is approved.
                with transaction.atomic():
                    consent_authorise(consent=consent, user=self.request.user)
                    credentials["claims"] = {"consent_id": str(consent.pk)}
                    uri, _headers, _body, _status = self.create_authorization_response(
                        request=self.request, scopes=data["scope"], credentials=credentials, allow=True
                    )
                return self.redirect(uri, application)
            consent_reject(consent=consent, user=self.request.user)
            # Refusing answers the bank with error=access_denied on its redirect URI.
            self.create_authorization_response(
                request=self.request, scopes=data["scope"], credentials=credentials, allow=False
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        except NotAllowed:
            raise PermissionDenied from None
        except IllegalTransition:
            consent.refresh_from_db()
            context = {"consent": consent, "membership": membership, "application": application, "conflict": True}
            return self.render_to_response(self.get_context_data(**context), status=409)
        raise Http404

    def form_invalid(self, form: ConsentDecisionForm) -> HttpResponse:
        return HttpResponseBadRequest(_("The decision form was incomplete or altered; start again from the bank."))
