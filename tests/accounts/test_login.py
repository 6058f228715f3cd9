"""Sign-in: password then TOTP for everyone, enrolment at first sign-in, lock-out, sign-out."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts.services.sign_in import PENDING_KEY
from civicdesk.audit.models import AccessLogEntry
from tests.conftest import PASSWORD, current_token, sign_in_through_forms

pytestmark = pytest.mark.django_db


def password_step(client, user, password=PASSWORD):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def actions_for(username):
    return list(
        AccessLogEntry.objects.filter(actor_username=username)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_first_sign_in_enrols_totp_with_a_qr_code_and_then_signs_in(client, operator):
    response = password_step(client, operator)
    assert response.status_code == 302 and response.url.endswith("/accounts/login/enrol/")
    page = client.get("/accounts/login/enrol/")
    html = page.content.decode()
    assert "<svg" in html and "認証アプリ" in html
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    response = client.post("/accounts/login/enrol/", {"token": current_token(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert actions_for("operator1") == ["mfa_enrolled", "login"]


def test_enrolment_reuses_the_same_secret_until_confirmed(client, operator):
    password_step(client, operator)
    client.get("/accounts/login/enrol/")
    client.get("/accounts/login/enrol/")
    assert TOTPDevice.objects.filter(user=operator).count() == 1


def test_password_alone_does_not_sign_in(client, operator):
    TOTPDevice.objects.create(user=operator, name="x", confirmed=True)
    response = password_step(client, operator)
    assert response.url.endswith("/accounts/login/verify/")
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_wrong_totp_code_keeps_the_user_on_the_code_page(client, operator):
    device = TOTPDevice.objects.create(user=operator, name="x", confirmed=True)
    password_step(client, operator)
    wrong = f"{(int(current_token(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/login/verify/", {"token": wrong})
    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get("/").status_code == 302
    assert actions_for("operator1") == ["login_failed"]


def test_wrong_password_is_logged_as_a_failed_login(client, operator):
    response = password_step(client, operator, password="wrong-password-123")
    assert response.status_code == 200
    assert "ユーザーIDまたはパスワードが正しくありません" in response.content.decode()
    assert actions_for("operator1") == ["login_failed"]


def test_unknown_username_is_logged_with_the_name_typed(client, db):
    client.post("/accounts/login/", {"username": "nobody", "password": "x" * 12})
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.actor_username, entry.actor_id) == ("login_failed", "nobody", None)


def test_five_failures_lock_the_account_even_for_the_right_password(client, operator):
    for _ in range(4):
        password_step(client, operator, password="wrong-password-123")
    response = password_step(client, operator, password="wrong-password-123")
    assert response.status_code == 403
    assert "ロック" in response.content.decode()
    response = password_step(client, operator)
    assert response.status_code == 403
    assert actions_for("operator1") == ["login_failed"] * 4 + ["lockout", "lockout"]


def test_wrong_totp_codes_count_towards_the_lock_out(client, operator):
    device = TOTPDevice.objects.create(user=operator, name="x", confirmed=True)
    wrong = f"{(int(current_token(device)) + 1) % 1_000_000:06d}"
    for _ in range(4):
        password_step(client, operator, password="wrong-password-123")
    password_step(client, operator)
    response = client.post("/accounts/login/verify/", {"token": wrong})
    assert response.status_code == 403
    assert actions_for("operator1")[-1] == "lockout"


def test_success_resets_the_failure_count(client, operator):
    for _ in range(4):
        password_step(client, operator, password="wrong-password-123")
    sign_in_through_forms(client, operator)
    client.post("/accounts/logout/")
    for _ in range(4):
        password_step(client, operator, password="wrong-password-123")
    assert password_step(client, operator).status_code == 302


def test_sign_out_needs_post_and_is_logged(client, operator):
    sign_in_through_forms(client, operator)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert actions_for("operator1") == ["login", "logout"]


def test_a_session_that_skipped_the_second_factor_is_refused(client, operator):
    client.force_login(operator)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_password_step_expires_after_five_minutes(client, operator):
    TOTPDevice.objects.create(user=operator, name="x", confirmed=True)
    password_step(client, operator)
    session = client.session
    pending = session[PENDING_KEY]
    pending["at"] = (timezone.now() - timedelta(minutes=6)).isoformat()
    session[PENDING_KEY] = pending
    session.save()
    response = client.get("/accounts/login/verify/")
    assert response.status_code == 302 and response.url.endswith("/accounts/login/")


def test_sessions_end_after_thirty_idle_minutes(client, operator, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    sign_in_through_forms(client, operator)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_each_request_pushes_the_idle_expiry_forward(client, operator):
    sign_in_through_forms(client, operator)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get("/")
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)


@pytest.mark.real_hasher
def test_passwords_are_hashed_with_argon2(operator):
    operator.set_password("another-long-password-9")
    assert operator.password.startswith("argon2$")
