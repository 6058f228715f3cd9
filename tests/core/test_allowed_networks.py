"""CIVICDESK_ALLOWED_NETWORKS: only the municipality's networks reach the application."""

from __future__ import annotations

import ipaddress

import pytest
from django.urls import reverse

from civicdesk import env

LOGIN = "accounts:login"
OFFICE = [ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("192.0.2.7/32")]
PROXY = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")]

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_only(settings):
    settings.ALLOWED_NETWORKS = OFFICE
    settings.TRUSTED_PROXIES = PROXY


def test_without_the_setting_every_address_is_served(client, settings):
    settings.ALLOWED_NETWORKS = []
    response = client.get(reverse(LOGIN), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200


@pytest.mark.parametrize("address", ["10.20.0.1", "10.20.255.254", "192.0.2.7", "::ffff:10.20.3.4"])
def test_an_address_inside_the_networks_is_served(client, office_only, address):
    assert client.get(reverse(LOGIN), REMOTE_ADDR=address).status_code == 200


@pytest.mark.parametrize("address", ["10.21.0.1", "192.0.2.8", "203.0.113.9", "", "not-an-ip"])
def test_an_address_outside_is_refused_in_japanese_before_any_session(client, office_only, address):
    response = client.get(reverse(LOGIN), REMOTE_ADDR=address)
    assert response.status_code == 403
    assert "このネットワークからは利用できません" in response.content.decode()
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_a_sign_in_post_from_outside_never_reaches_the_login(client, office_only):
    response = client.post(
        reverse(LOGIN), {"username": "operator1", "password": "x"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 403


def test_the_proxy_header_counts_only_when_the_trusted_proxy_sent_it(client, office_only):
    through_nginx = client.get(reverse(LOGIN), REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.20.1.1")
    claimed = client.get(reverse(LOGIN), REMOTE_ADDR="203.0.113.9", HTTP_X_REAL_IP="10.20.1.1")
    outside_via_nginx = client.get(
        reverse(LOGIN), REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9"
    )
    assert through_nginx.status_code == 200
    assert claimed.status_code == 403
    assert outside_via_nginx.status_code == 403


def test_the_setting_is_parsed_strictly(monkeypatch):
    monkeypatch.setenv("CIVICDESK_ALLOWED_NETWORKS", "10.0.0.0/8, 192.0.2.7")
    assert env.networks("CIVICDESK_ALLOWED_NETWORKS") == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.7/32"),
    ]
    monkeypatch.setenv("CIVICDESK_ALLOWED_NETWORKS", "10.0.0.0/8,10.0.0.300")
    with pytest.raises(env.ConfigError) as raised:
        env.networks("CIVICDESK_ALLOWED_NETWORKS")
    assert raised.value.variable == "CIVICDESK_ALLOWED_NETWORKS"
    assert "10.0.0.300" in raised.value.reason
    monkeypatch.delenv("CIVICDESK_ALLOWED_NETWORKS")
    assert env.networks("CIVICDESK_ALLOWED_NETWORKS") == []
