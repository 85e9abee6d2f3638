from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def demo_callback(request: HttpRequest) -> HttpResponse:
    """The demo banks' redirect URI: shows the code (or the error) so it can be exchanged by hand."""
    return render(request, "banks/demo_callback.html", {"params": request.GET})
