"""Sign-in, enrolment and sign-out: the password step, the roster gate, the TOTP step."""

from __future__ import annotations

from datetime import timedelta

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts.models import User
from civicdesk.accounts.selectors import roster as selectors
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access

PENDING_KEY = "civicdesk_mfa_pending"
# The roster gate (issue 8 §3): the month a session's roster was checked, and when.
ROSTER_SESSION_KEY = "civicdesk_roster"
ROSTER_RECHECK = timedelta(minutes=5)
OFF_ROSTER_REASON = "業務従事者名簿に登載されていない"
OFF_ROSTER_MESSAGE = (
    "このアカウントは今月の業務従事者名簿に登載されていないため、ログインできません。"
    "業務責任者に確認してください。"
)
SESSION_ENDED_MESSAGE = (
    "業務従事者名簿から外れたため、ログアウトしました。業務責任者に確認してください。"
)
PENDING_MAX_AGE = timedelta(minutes=5)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInError(Exception):
    """The attempt failed; ``locked`` tells whether the account is now locked."""

    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.locked = locked


def check_password_step(request, *, username: str, password: str) -> User:
    """First factor. On success the user waits in the session for the second factor."""
    user = auth.authenticate(request, username=username, password=password)
    if user is None:
        _record_failure(request, username)
    # Checked only once the password is right: a stranger learns nothing about the roster.
    if not selectors.is_on_roster(user, timezone.localdate()):
        _refuse_off_roster(request, user)
    with transaction.atomic():
        request.session.cycle_key()
        request.session[PENDING_KEY] = {"user_id": user.pk, "at": timezone.now().isoformat()}
    return user


def _refuse_off_roster(request, user: User) -> None:
    # Not a wrong credential: no lock-out count, but the refusal is in the access log.
    record_access(
        acting_user=None,
        action=AccessAction.LOGIN_FAILED,
        obj=user,
        username=user.get_username(),
        reason=OFF_ROSTER_REASON,
    )
    request.session.pop(PENDING_KEY, None)
    raise SignInError(OFF_ROSTER_MESSAGE)


def remember_roster_month(request, user: User) -> None:
    """Mark a roster-bound session with the month (and time) its roster was last checked."""
    if settings.ROSTER_REQUIRED and selectors.is_roster_bound(user):
        now = timezone.now()
        request.session[ROSTER_SESSION_KEY] = {
            "month": f"{timezone.localtime(now):%Y-%m}",
            "checked": now.isoformat(),
        }


def roster_session_valid(request) -> bool:
    """Is the signed-in roster-bound user still on the roster? Checked again when the month
    changes, and otherwise at most once per ROSTER_RECHECK (a removal takes effect within it).
    Sessions without the marker (made without the sign-in form) are not checked."""
    marker = request.session.get(ROSTER_SESSION_KEY)
    if not marker or not settings.ROSTER_REQUIRED:
        return True
    now = timezone.now()
    today = timezone.localtime(now).date()
    checked = timezone.datetime.fromisoformat(marker["checked"])
    # Time moves forward in production; a clock behind the last check (corrected by NTP, or
    # a test travelling back in time) waits until it is past that check again.
    if now < checked:
        return True
    if marker["month"] == f"{today:%Y-%m}" and now - checked < ROSTER_RECHECK:
        return True
    if not selectors.is_on_roster(request.user, today):
        return False
    remember_roster_month(request, request.user)
    return True


def end_off_roster_session(request) -> None:
    """Sign out a user who is no longer on the roster, and say why in the access log."""
    record_access(
        acting_user=request.user,
        action=AccessAction.LOGOUT,
        obj=request.user,
        reason=OFF_ROSTER_REASON,
    )
    auth.logout(request)


def pending_user(request) -> User | None:
    """The user who passed the password step in this session within the last few minutes."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    started = timezone.datetime.fromisoformat(pending["at"])
    if timezone.now() - started > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending["user_id"], is_active=True).first()


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device shown as a QR code at first sign-in (made once, then reused)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=False)
    return device


def confirm_enrolment(request, *, user: User, token: str) -> None:
    device = enrolment_device(user)
    if not device.verify_token(token):
        _record_failure(request, user.get_username(), wrong="確認コードが正しくありません。")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_access(
            acting_user=user,
            action=AccessAction.MFA_ENROLLED,
            obj=user,
        )
        _complete_login(request, user, device)


def verify_token_step(request, *, user: User, token: str) -> None:
    device = django_otp.match_token(user, token)
    if device is None or not device.confirmed:
        _record_failure(request, user.get_username(), wrong="確認コードが正しくありません。")
    with transaction.atomic():
        _complete_login(request, user, device)


def _complete_login(request, user: User, device: TOTPDevice) -> None:
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend=MODEL_BACKEND)
    django_otp.login(request, device)
    remember_roster_month(request, user)
    record_access(acting_user=user, action=AccessAction.LOGIN, obj=user)


def _record_failure(request, username: str, *, wrong: str = "") -> None:
    # A wrong TOTP code counts towards the lock-out like a wrong password: axes listens
    # to user_login_failed (authenticate() sends it for passwords; we send it for codes).
    if wrong:
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    action = AccessAction.LOCKOUT if locked else AccessAction.LOGIN_FAILED
    user = User.objects.filter(username=username).first()
    record_access(
        acting_user=None,
        action=action,
        obj=user,
        username=username[:150],
    )
    if locked or not wrong:
        request.session.pop(PENDING_KEY, None)
    if locked:
        raise SignInError(
            "ログインに続けて失敗したため、アカウントをロックしました。管理者に連絡してください。",
            locked=True,
        )
    raise SignInError(wrong or "ユーザーIDまたはパスワードが正しくありません。")


def log_out(request) -> None:
    user = request.user
    if user.is_authenticated:
        record_access(acting_user=user, action=AccessAction.LOGOUT, obj=user)
    auth.logout(request)
