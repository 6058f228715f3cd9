from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render

from civicdesk.core import selectors


def home(request):
    context = {"today_services": selectors.today_by_service(request.user)}
    return render(request, "core/home.html", context)


def calendar_month(request):
    return render(request, "core/calendar.html", selectors.calendar_month_context(request))


@login_not_required
def healthz(request):
    """For the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
