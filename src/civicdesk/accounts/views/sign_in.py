"""Sign-in (password, then TOTP; enrolment on first sign-in) and sign-out. Thin: services decide."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from civicdesk.accounts.forms.sign_in import LoginForm, TokenForm
from civicdesk.accounts.services import sign_in as services


@login_not_required
def login(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_password_step(request, **form.cleaned_data)
        except services.SignInError as exc:
            form.add_error(None, str(exc))
        else:
            next_step = "verify" if services.has_confirmed_device(user) else "enrol"
            return redirect(f"accounts:{next_step}")
    return render(request, "accounts/login.html", {"form": form})


@login_not_required
def verify(request):
    user = services.pending_user(request)
    if user is None:
        return _restart(request)
    if not services.has_confirmed_device(user):
        return redirect("accounts:enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_token_step(request, user=user, token=form.cleaned_data["token"])
        except services.SignInError as exc:
            if exc.locked:
                return _failed(request, exc)
            form.add_error("token", str(exc))
        else:
            return redirect("core:home")
    return render(request, "accounts/verify.html", {"form": form, "pending": user})


@login_not_required
def enrol(request):
    user = services.pending_user(request)
    if user is None:
        return _restart(request)
    if services.has_confirmed_device(user):
        return redirect("accounts:verify")
    device = services.enrolment_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_enrolment(request, user=user, token=form.cleaned_data["token"])
        except services.SignInError as exc:
            if exc.locked:
                return _failed(request, exc)
            form.add_error("token", str(exc))
        else:
            messages.success(
                request, "二要素認証を登録しました。次回からは確認コードを入力します。"
            )
            return redirect("core:home")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "pending": user,
        "qr_svg": mark_safe(qr.svg_inline(scale=5, title="認証アプリ登録用QRコード")),
        "secret": _grouped(device.bin_key),
    }
    return render(request, "accounts/enrol.html", context)


@require_POST
def logout(request):
    services.log_out(request)
    messages.info(request, "ログアウトしました。")
    return redirect("accounts:login")


def locked_out(request, credentials, *args, **kwargs):
    """Shown by django-axes instead of any response once an account is locked."""
    return render(request, "accounts/locked.html", status=403)


def _restart(request):
    messages.warning(request, "もう一度ユーザーIDとパスワードを入力してください。")
    return redirect("accounts:login")


def _failed(request, exc: services.SignInError):
    messages.error(request, str(exc))
    return redirect("accounts:login")


def _grouped(key: bytes) -> str:
    text = b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
