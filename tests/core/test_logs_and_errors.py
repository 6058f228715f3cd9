"""No personal data in the server's log or in error pages (issue 8 §7): query strings, form
bodies and exception messages stay out; error pages show nothing from the request."""

from __future__ import annotations

import io
import logging
import sys
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from civicdesk.core.logging import OMITTED, PersonalDataFilter, strip_query
from civicdesk.receivables.selectors import obligors as selectors
from tests.conftest import sign_in

NAME = "山田太郎"
NUMBER = "09012345678"


@pytest.fixture
def server_log():
    """What the configured handlers (settings.LOGGING) write, read back as text."""
    buffer = io.StringIO()
    handlers = {
        handler
        for logger in (
            logging.getLogger(),
            logging.getLogger("django"),
            logging.getLogger("django.server"),
        )
        for handler in logger.handlers
        # Exactly StreamHandler: pytest's own capturing handlers subclass it.
        if type(handler) is logging.StreamHandler
    }
    assert handlers, "no console handler configured"
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in previous.items():
        handler.setStream(stream)


def filtered(logger_name: str, msg, args, exc_info=None) -> str:
    """One record through the filter and a plain formatter, as a handler would write it."""
    record = logging.LogRecord(logger_name, logging.ERROR, __file__, 1, msg, args, exc_info)
    assert PersonalDataFilter().filter(record) is True
    return logging.Formatter("%(message)s").format(record)


# --- The filter -------------------------------------------------------------------------------


def test_a_query_string_is_cut_after_the_question_mark():
    assert (
        strip_query(f"GET /obligors/?q={NAME}&tel={NUMBER} HTTP/1.1") == "GET /obligors/? HTTP/1.1"
    )
    assert strip_query("GET /obligors/ HTTP/1.1") == "GET /obligors/ HTTP/1.1"


def test_a_runserver_request_line_loses_its_query():
    line = filtered("django.server", '"%s" %s %s', (f"GET /obligors/?q={NAME} HTTP/1.1", 404, 10))
    assert line == '"GET /obligors/? HTTP/1.1" 404 10'


def test_a_gunicorn_access_record_loses_its_query_and_referer_query():
    atoms = {
        "r": f"GET /obligors/?q={NAME} HTTP/1.1",
        "q": f"q={NAME}",
        "U": "/obligors/",
        "f": f"https://civicdesk.example.lg.jp/obligors/?tel={NUMBER}",
        "s": "200",
    }
    line = filtered("gunicorn.access", '"%(r)s" %(s)s q=%(q)s "%(f)s"', atoms)
    assert NAME not in line and NUMBER not in line
    assert line == '"GET /obligors/? HTTP/1.1" 200 q= "https://civicdesk.example.lg.jp/obligors/?"'


def test_an_exception_keeps_its_traceback_but_not_its_message():
    try:
        try:
            raise LookupError(f"{NAME} {NUMBER}")
        except LookupError as error:
            raise ValueError(f"duplicate key (name)=({NAME})") from error
    except ValueError:
        text = filtered(
            "django.request", "Internal Server Error: %s", ("/obligors/",), sys.exc_info()
        )
    assert NAME not in text and NUMBER not in text
    assert "Traceback" in text and "ValueError" in text and "LookupError" in text
    assert text.count(OMITTED) == 2


def test_the_request_is_dropped_from_the_record():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "x", (), None)
    record.request = object()
    PersonalDataFilter().filter(record)
    assert record.request is None


# --- With the project's logging configuration --------------------------------------------------


@pytest.mark.django_db
def test_a_failing_search_logs_and_shows_neither_the_name_nor_the_number(
    client, operator, monkeypatch, server_log
):
    def broken(user, query, kind):
        raise RuntimeError(f"検索に失敗: {query}")

    monkeypatch.setattr(selectors, "search_obligors", broken)
    sign_in(client, operator)
    client.raise_request_exception = False
    response = client.post(
        reverse("registry:search") + f"?tel={NUMBER}", {"query": NAME, "kind": "name"}
    )
    assert response.status_code == 500
    body = response.content.decode()
    log = server_log.getvalue()
    assert "Internal Server Error: /obligors/" in log  # the failure itself is logged
    assert "RuntimeError" in log
    for secret in (NAME, NUMBER):
        assert secret not in log
        assert secret not in body


@pytest.mark.django_db
def test_a_page_not_found_with_a_name_in_the_query_logs_the_path_only(client, operator, server_log):
    sign_in(client, operator)
    response = client.get(f"/obligors/999999/?q={NAME}&tel={NUMBER}")
    assert response.status_code == 404
    log = server_log.getvalue()
    assert "Not Found: /obligors/999999/" in log
    assert NAME not in log and NUMBER not in log
    assert NAME not in response.content.decode() and NUMBER not in response.content.decode()


def test_a_runserver_line_through_the_configured_handlers_loses_its_query(server_log):
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /obligors/?q={NAME}&tel={NUMBER} HTTP/1.1", "404", "10"
    )
    log = server_log.getvalue()
    assert '"GET /obligors/? HTTP/1.1" 404 10' in log
    assert NAME not in log


# --- Error pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_forbidden_page_shows_nothing_from_the_request(client, operator):
    sign_in(client, operator)
    response = client.get(f"/privacy/access-log/?q={NAME}&tel={NUMBER}")
    assert response.status_code == 403
    body = response.content.decode()
    assert "アクセスできません" in body
    assert NAME not in body and NUMBER not in body and "access-log" not in body


@pytest.mark.django_db
def test_the_server_error_page_is_static_japanese():

    html = render_to_string("500.html")
    assert "エラーが発生しました" in html
    assert "{{" not in html and "request" not in html
    assert Client().get("/").status_code == 302  # not an error page itself


def test_numbers_and_objects_keep_their_formatting():

    class Link:
        def __str__(self):
            return f"/obligors/?q={NAME}"

    line = filtered("x", "%d 件 %.1f 秒 %s %s", (3, 1.25, Decimal("2"), Link()))
    assert line == "3 件 1.2 秒 2 /obligors/?"
