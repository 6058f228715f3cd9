from django.contrib.auth import logout
from django.shortcuts import redirect


class RequireVerifiedLoginMiddleware:
    """A session that is signed in but never passed the second factor is ended.

    Sign-in only calls login() after the TOTP step, so this guards against sessions made
    any other way (e.g. a test client's force_login, or a future view that forgets MFA).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            logout(request)
            return redirect("accounts:login")
        return self.get_response(request)
