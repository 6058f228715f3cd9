"""No personal data in the server's log (issue 8 §7).

Search terms are names, phone numbers and addresses, and they travel in query strings and form
bodies; database errors quote the values they refused. ``PersonalDataFilter``, set on the log
handlers (settings.LOGGING), lets a record through only after

- every query string in its message and arguments is cut off after the ``?``
  (django.request, django.server, gunicorn.access records alike),
- the request it carries is dropped (a handler would otherwise print its GET/POST), and
- an exception's messages are replaced by a placeholder: the traceback (files, lines,
  exception types) stays, which is what an administrator needs to find the fault.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from decimal import Decimal

OMITTED = "（省略: 個人情報を含みうるため記録しません）"
# A query string: from "?" to the next white space or quote (request lines, URLs, referers).
_QUERY = re.compile(r"\?[^\s\"']*")
# gunicorn.access atoms that are nothing but the query string.
_QUERY_ATOMS = ("q",)


def strip_query(text: str) -> str:
    """``GET /obligors/search/?q=山田 HTTP/1.1`` → ``GET /obligors/search/? HTTP/1.1``."""
    return _QUERY.sub("?", text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record in place (above) and always lets it pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        record.args = _clean_args(record.args)
        if getattr(record, "request", None) is not None:
            record.request = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _traceback_without_messages(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = OMITTED
        return True


def _clean_args(args):
    if isinstance(args, Mapping):  # gunicorn.access passes its atoms as one mapping
        return {
            key: "" if key in _QUERY_ATOMS else _clean_value(value) for key, value in args.items()
        }
    if isinstance(args, tuple):
        return tuple(_clean_value(value) for value in args)
    return args


def _clean_value(value):
    if isinstance(value, str):
        return strip_query(value)
    if isinstance(value, bytes | int | float | Decimal | type(None)):
        return value  # kept as they are: a %d or %.1f in the message still formats them
    # Anything else is str()-ed by the formatter: a text with a query string is cleaned now.
    text = str(value)
    return strip_query(text) if "?" in text else value


def _traceback_without_messages(error: BaseException) -> str:
    formatted = traceback.TracebackException.from_exception(error)
    seen = set()
    pending = [formatted]
    while pending:  # the exception, its causes and contexts
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current._str = OMITTED
        current.__notes__ = None
        pending.extend(
            part for part in (current.__cause__, current.__context__) if part is not None
        )
        pending.extend(current.exceptions or ())
    return "".join(formatted.format()).rstrip("\n")
