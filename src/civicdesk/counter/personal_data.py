"""What the counters hold of people, declared for oversight (privacy.personal_data).

Tickets, fees and paper hold no personal data. Requests hold the items their procedure names
(requester and subject names, a mailing address, a chassis number); bereavement cases hold
the deceased's and the visitor's names, the date of death and a phone. The counter's data
is not tied to the dunning register: a purge of one revenue type leaves it alone, a purge of
everything takes it. Bereavement cases also go on their own schedule
(``services.bereavement.erase_ended_cases``).
"""

from __future__ import annotations

from django.db.models import Q

from civicdesk.core.japanese import normalize_name
from civicdesk.counter.choices import BereavementStatus, RequestStatus
from civicdesk.counter.models import (
    BereavementReservation,
    BereavementTask,
    PlateLoan,
    Request,
    Review,
)
from civicdesk.privacy.personal_data import Item, PersonalData, Selection, Targets

PERSONAL_REQUEST = (
    ~Q(requester_name="") | ~Q(subject_name="") | ~Q(mailing_address="") | ~Q(vehicle_chassis_no="")
)


def select(selection: Selection) -> Targets:
    mine = {"municipality": selection.municipality}
    if not selection.everything:
        return {
            "counter_reviews": Review.objects.none(),
            "counter_plate_loans": PlateLoan.objects.none(),
            "counter_requests": Request.objects.none(),
            "bereavement_tasks": BereavementTask.objects.none(),
            "bereavement_cases": BereavementReservation.objects.none(),
        }
    requests = Request.objects.filter(**mine)
    cases = BereavementReservation.objects.filter(**mine)
    return {
        "counter_reviews": Review.objects.filter(request__in=requests),
        "counter_plate_loans": PlateLoan.objects.filter(request__in=requests),
        "counter_requests": requests,
        "bereavement_tasks": BereavementTask.objects.filter(reservation__in=cases),
        "bereavement_cases": cases,
    }


def busy(municipality) -> str:
    # A request on its way to a staff decision would lose its papers' trail half-way.
    if Request.objects.filter(
        municipality=municipality, status__in=(RequestStatus.INTAKE, RequestStatus.REVIEW)
    ).exists():
        return "窓口で受付中・審査依頼中の請求があります。交付または取下げの後に実行してください。"
    if BereavementReservation.objects.filter(
        municipality=municipality, status=BereavementStatus.CHECKED_IN
    ).exists():
        return "おくやみコーナーで対応中の方がいます。完了してから実行してください。"
    return ""


def purged_values(targets: Targets) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    for row in targets["counter_requests"].values_list("requester_name", "subject_name"):
        names.update(normalize_name(name) for name in row if name)
    for row in targets["bereavement_cases"].values_list("deceased_name", "visitor_name"):
        names.update(normalize_name(name) for name in row if name)
    return set(), names


PERSONAL_DATA = PersonalData(
    app_label="counter",
    items=(
        Item("counter_reviews", "窓口 審査記録"),
        Item("counter_plate_loans", "臨時運行許可 発行管理簿"),
        Item("counter_requests", "窓口の請求・届出"),
        Item("bereavement_tasks", "おくやみ 手続の確認"),
        Item("bereavement_cases", "おくやみコーナーの予約"),
    ),
    select=select,
    busy=busy,
    purged_values=purged_values,
)
