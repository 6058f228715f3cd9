from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.shortcuts import redirect

from civicdesk.accounts.services import sign_in as services


class RequireVerifiedLoginMiddleware:
    """A session that is signed in but never passed the second factor is ended.

    Sign-in only calls login() after the TOTP step, so this guards against sessions made
    any other way (e.g. a test client's force_login, or a future view that forgets MFA).

    It also ends the session of a roster-bound user who is no longer on the staff roster
    (業務従事者名簿): re-checked when the month changes and at most every few minutes
    (services.roster_session_valid).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not user.is_verified():
                logout(request)
                return redirect("accounts:login")
            if not services.roster_session_valid(request):
                services.end_off_roster_session(request)
                return _to_login_saying(request, services.SESSION_ENDED_MESSAGE)
        return self.get_response(request)


def _to_login_saying(request, text: str):
    # The message middleware comes later in the chain and is skipped by this early answer,
    # so the message is stored (and its cookie written) here.
    storage = default_storage(request)
    storage.add(messages.WARNING, text)
    response = redirect("accounts:login")
    storage.update(response)
    return response
