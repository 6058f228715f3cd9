"""The public call displays and the page that registers them.

``display`` and ``display_state`` are public (login_not_required): a screen in the waiting
room has no account, it has a device key in its address. An unknown or revoked key is 403
with nothing said about why. They show numbers and counter names only. The state is polled
every second; its ETag (the hash of its body) answers an unchanged screen with 304.

Anonymous requests pass the middleware: no session cookie means no session query, the rate
limits count only sign-in POSTs and /api/, and AllowedNetworksMiddleware keeps the screens to
the municipality's networks like every other page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.core.http import require
from civicdesk.counter.forms.tickets import DisplayDeviceForm
from civicdesk.counter.models import DisplayDevice
from civicdesk.counter.selectors import displays as selectors
from civicdesk.counter.selectors import tickets as ticket_selectors
from civicdesk.counter.services import displays as services

DENIED = "表示端末を管理する権限がありません。"
KEY_REFUSED = "表示端末のキーが不明か停止されています。"


def _device(key: str) -> DisplayDevice:
    device = selectors.device_for_key(key)
    if device is None:
        raise PermissionDenied(KEY_REFUSED)
    return device


@login_not_required
@never_cache
@require_GET
def display(request, key: str):
    """The screen: the newest call large, the earlier ones below; JS polls the state."""
    device = _device(key)
    context = {
        "device": device,
        "state": selectors.display_state(device),
        "state_url": reverse("counter:display_state", kwargs={"key": key}),
        "poll_seconds": selectors.POLL_SECONDS,
    }
    response = render(request, "counter/display/screen.html", context)
    # The key is in the address: never hand it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@require_GET
def display_state(request, key: str):
    """The state as JSON; 304 when it is what the screen already shows (If-None-Match)."""
    state = selectors.display_state(_device(key))
    etag = state.etag
    if etag in _etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(state.body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Referrer-Policy"] = "no-referrer"
    # Stored but always revalidated: the screen must never show a stale call.
    patch_cache_control(response, no_cache=True, private=True)
    return response


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


# --- Registering the screens -----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(ticket_selectors.may_manage_displays, message=DENIED)
def displays(request):
    """GET: the screens and the form; POST: register one and show its key and address once."""
    user = request.user
    form = DisplayDeviceForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        try:
            device, key = services.register_display(
                acting_user=user,
                municipality=ticket_selectors.municipality_for(user),
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            url = request.build_absolute_uri(reverse("counter:display", kwargs={"key": key}))
            made = {"device": device, "key": key, "url": url}
            form = DisplayDeviceForm()
    context = {"form": form, "made": made, "devices": selectors.devices_for(user)}
    return render(request, "counter/display/devices.html", context)


@require_POST
@require(ticket_selectors.may_manage_displays, message=DENIED)
def display_revoke(request, pk: int):
    device = get_object_or_404(selectors.devices_for(request.user), pk=pk)
    services.revoke_display(acting_user=request.user, device=device)
    messages.success(request, f"{device.name} を停止しました。この端末のキーは使えなくなります。")
    return redirect("counter:displays")
