"""Who may open a page: one decorator for every app's views.

``@require(check, ...)`` lets a request through only for a signed-in, active user who passes
every check; anyone else gets ``PermissionDenied``, which Django answers with 403.html (no
detail: the message is for the server log). A check is a permission name
(``"dunning.view_campaign"``, asked with ``user.has_perm``) or a predicate of the user, such as
a selector's ``may_…`` function that also looks at the role or the field-policy scope.

Decorator order decides which answer comes first: below ``@require_POST`` (or
``require_http_methods``) a wrong method still answers 405 before the permission is asked;
above it, 403 comes first. Object scope (404 for what the user may not see) stays in the view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeAlias

from django.core.exceptions import PermissionDenied

Check: TypeAlias = str | Callable[[object], bool]

DENIED = "このページを表示する権限がありません。"


def allowed(user, *checks: Check) -> bool:
    """Whether ``user`` is signed in, active and passes every check."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return all(user.has_perm(check) if isinstance(check, str) else check(user) for check in checks)


def refuse_unless(user, *checks: Check, message: str = DENIED) -> None:
    """The same question inside a view (e.g. only for a POST): PermissionDenied unless allowed."""
    if not allowed(user, *checks):
        raise PermissionDenied(message)


def require(*checks: Check, message: str = DENIED):
    """View decorator: 403 unless the request's user is signed in, active and passes every
    check (module docstring). ``message`` goes to the server log, never to the page."""
    if not checks:
        raise TypeError("require() needs a permission or a predicate")

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            refuse_unless(request.user, *checks, message=message)
            return view(request, *args, **kwargs)

        return guarded

    return decorator
