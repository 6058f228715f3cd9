"""Visit-list pages (issue 5 §1): who may open what, the tablet page, the A4 sheet (PDF), the
field policy on both (seed 000 別紙1 第2条(3)②: late-elderly visits show name, address and the
notice only), the access log, and a query count that does not grow with the list.
"""

import datetime as dt
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import CampaignChannel, ContactOutcome, ContactParty
from civicdesk.dunning.models import VisitList, VisitStop, WorkItem
from civicdesk.dunning.services.visits import build_visit_list
from civicdesk.registry.addresses import parse_address
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from tests.pdf import pdftotext
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)  # Tuesday: the visits calendar is open
SCRIPT = "納期限を過ぎた保険料のお知らせです。"
NHI_AMOUNT, ELDERLY_AMOUNT, BOTH_NHI, BOTH_ELDERLY = 12_345, 67_890, 11_111, 22_222


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def elderly_team(municipality):
    return TeamFactory(
        municipality=municipality, name="保険料チーム", revenue_types=["nhi", "late_elderly"]
    )


@pytest.fixture
def field_visitor(municipality, elderly_team):
    """A visitor of NHI and late-elderly premiums."""
    return UserFactory(
        username="visitor_field", role="visitor", municipality=municipality, team=elderly_team
    )


@pytest.fixture
def campaign(municipality, calendars):
    return CampaignFactory(
        municipality=municipality,
        channel=CampaignChannel.VISIT,
        name="保険料 訪問催告",
        script=SCRIPT,
        conditions={"revenue_types": ["nhi", "late_elderly"]},
    )


def person(campaign, address: str, owed: dict[str, int], *, name: str, extra: str = ""):
    """An obligor with one account per revenue type owing ``owed`` in one installment, and
    their work item in the campaign."""
    town, chome, block = parse_address(address)
    obligor = ObligorFactory(
        municipality=campaign.municipality,
        name=name,
        name_kana="テスト",
        address=address,
        address_extra=extra,
        town=town,
        chome=chome,
        block=block,
    )
    accounts = []
    for revenue_type, amount in owed.items():
        account = AccountFactory(obligor=obligor, revenue_type=revenue_type)
        InstallmentFactory(account=account, fiscal_year=2024, period="3", assessed=amount)
        accounts.append(account)
    item = WorkItemFactory(campaign=campaign, obligor=obligor, revenue_types=list(owed))
    item.accounts.set(accounts)
    return item


@pytest.fixture
def mixed_list(campaign, field_visitor):
    """NHI only, late-elderly only, and both: in three areas."""
    person(campaign, "江東区東陽四丁目1番1号", {"nhi": NHI_AMOUNT}, name="国保 一郎")
    person(campaign, "江東区東陽五丁目1番1号", {"late_elderly": ELDERLY_AMOUNT}, name="後期 花子")
    person(
        campaign,
        "江東区南砂二丁目3番1号",
        {"nhi": BOTH_NHI, "late_elderly": BOTH_ELDERLY},
        name="両方 次郎",
        extra="コーポ南砂 101号室",
    )
    return build_visit_list(acting_user=field_visitor, campaign=campaign, visitor=field_visitor)


def list_url(name: str, visit_list: VisitList) -> str:
    return reverse(name, args=[visit_list.pk])


def yen_text(amount: int) -> str:
    return f"{amount:,}"


# --- Who may open what -----------------------------------------------------------------------

ROLES = [
    "anonymous",
    "operator",
    "outsider",
    "visitor",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]
PAGE_STATUS = dict(zip(ROLES, [302, 403, 403, 200, 200, 403, 403, 403], strict=True))


@pytest.fixture
def people(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["dunning:visit_lists", "dunning:visit_list_new"])
def test_list_pages_are_for_visitors_and_supervisors(client, people, calendars, name, role):
    if role != "anonymous":
        sign_in(client, people[role])
    response = client.get(reverse(name))
    assert response.status_code == PAGE_STATUS[role]
    if role == "anonymous":
        assert "login" in response.url


# Per object: the list belongs to `visitor`; `field_visitor` is another visitor.
OBJECT_STATUS = {**PAGE_STATUS, "other_visitor": 404}


@pytest.fixture
def own_list(campaign, visitor):
    person(campaign, "江東区東陽四丁目1番1号", {"nhi": NHI_AMOUNT}, name="国保 一郎")
    return build_visit_list(acting_user=visitor, campaign=campaign, visitor=visitor)


@pytest.mark.parametrize("role", [*ROLES, "other_visitor"])
@pytest.mark.parametrize("name", ["dunning:visit_list", "dunning:visit_list_sheet"])
def test_a_list_answers_each_role_and_another_visitor_gets_404(
    client, people, field_visitor, own_list, name, role
):
    user = field_visitor if role == "other_visitor" else people.get(role)
    if user is not None:
        sign_in(client, user)
    response = client.get(list_url(name, own_list))
    assert response.status_code == OBJECT_STATUS[role]


RELEASE_STATUS = {**OBJECT_STATUS, "visitor": 302, "supervisor": 302}


@pytest.mark.parametrize("role", [*ROLES, "other_visitor"])
def test_release_answers_each_role(client, people, field_visitor, own_list, role):
    user = field_visitor if role == "other_visitor" else people.get(role)
    if user is not None:
        sign_in(client, user)
    url = list_url("dunning:visit_list_release", own_list)
    if RELEASE_STATUS[role] == 302 and role != "anonymous":
        assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == RELEASE_STATUS[role]
    held = WorkItem.objects.filter(lease_owner__isnull=False).exists()
    assert held is (RELEASE_STATUS[role] != 302 or role == "anonymous")


def test_a_supervisor_of_another_municipality_gets_404(client, own_list):

    elsewhere = MunicipalityFactory(code="999999", name="他市")
    stranger = UserFactory(
        username="supervisor_elsewhere", role="supervisor", municipality=elsewhere
    )
    sign_in(client, stranger)
    assert client.get(list_url("dunning:visit_list", own_list)).status_code == 404


# --- The lists page and making a list --------------------------------------------------------


def test_the_lists_page_shows_own_lists_to_a_visitor_and_all_to_a_supervisor(
    client, mixed_list, own_list, visitor, supervisor
):
    sign_in(client, visitor)
    shown = client.get(reverse("dunning:visit_lists")).context["lists"]
    assert [v.pk for v in shown] == [own_list.pk]
    client.logout()
    sign_in(client, supervisor)
    page = client.get(reverse("dunning:visit_lists"))
    assert {v.pk for v in page.context["lists"]} == {own_list.pk, mixed_list.pk}
    filtered = client.get(reverse("dunning:visit_lists"), {"visitor": visitor.pk})
    assert [v.pk for v in filtered.context["lists"]] == [own_list.pk]


def test_a_visitor_makes_a_list_from_the_page_with_areas(client, campaign, visitor):
    chosen = person(campaign, "江東区東陽四丁目1番1号", {"nhi": NHI_AMOUNT}, name="国保 一郎")
    person(campaign, "江東区南砂二丁目1番1号", {"nhi": NHI_AMOUNT}, name="国保 二郎")
    sign_in(client, visitor)
    form_page = client.get(reverse("dunning:visit_list_new"))
    html = form_page.content.decode()
    assert 'value="東陽:4"' in html and "東陽4丁目（1 件）" in html
    response = client.post(
        reverse("dunning:visit_list_new"), {"campaign": campaign.pk, "areas": ["東陽:4"], "size": 5}
    )
    visit_list = VisitList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == list_url("dunning:visit_list", visit_list)
    assert list(visit_list.stops.values_list("work_item_id", flat=True)) == [chosen.pk]
    assert visit_list.visitor == visitor and visit_list.created_by == visitor


def test_a_supervisor_chooses_the_visitor(client, campaign, visitor, supervisor):
    person(campaign, "江東区東陽四丁目1番1号", {"nhi": NHI_AMOUNT}, name="国保 一郎")
    sign_in(client, supervisor)
    url = reverse("dunning:visit_list_new") + f"?campaign={campaign.pk}"
    assert "visitor" in client.get(url).context["form"].fields
    response = client.post(url, {"campaign": campaign.pk, "visitor": visitor.pk, "size": 30})
    assert response.status_code == 302
    visit_list = VisitList.objects.get()
    assert visit_list.visitor == visitor and visit_list.created_by == supervisor


def test_refusals_are_shown_on_the_form_in_japanese(client, campaign, visitor):
    sign_in(client, visitor)
    response = client.post(reverse("dunning:visit_list_new"), {"campaign": campaign.pk, "size": 30})
    assert response.status_code == 200
    assert "いま訪問できる対象者がいません" in response.content.decode()
    assert not VisitList.objects.exists()


# --- The tablet page -------------------------------------------------------------------------


def test_the_page_groups_stops_by_town_and_chome_and_links_each_stop(
    client, mixed_list, field_visitor
):
    sign_in(client, field_visitor)
    html = client.get(list_url("dunning:visit_list", mixed_list)).content.decode()
    headings = re.findall(r'class="vlist-area-heading">([^<]+)<', html)
    assert headings == ["南砂2丁目", "東陽4丁目", "東陽5丁目"]
    for stop in mixed_list.stops.all():
        assert f'href="/dunning/visits/stops/{stop.pk}/"' in html
    assert "コーポ南砂 101号室" in html


def test_late_elderly_rows_show_no_amounts_on_the_page_while_nhi_rows_do(
    client, mixed_list, field_visitor
):
    sign_in(client, field_visitor)
    html = client.get(list_url("dunning:visit_list", mixed_list)).content.decode()
    assert yen_text(NHI_AMOUNT) in html and yen_text(BOTH_NHI) in html
    assert yen_text(ELDERLY_AMOUNT) not in html
    assert yen_text(BOTH_ELDERLY) not in html
    assert "後期 花子" in html  # name and address are shown


def test_a_visited_stop_shows_its_result(client, mixed_list, field_visitor):
    stop = mixed_list.stops.get(position=1)
    contact = ContactFactory(
        obligor=stop.work_item.obligor, party=ContactParty.NONE, outcome=ContactOutcome.ABSENT
    )
    VisitStop.objects.filter(pk=stop.pk).update(contact=contact)
    sign_in(client, field_visitor)
    html = client.get(list_url("dunning:visit_list", mixed_list)).content.decode()
    assert f"結果: {contact.get_outcome_display()}" in html


def test_viewing_the_page_is_logged_with_the_fields_shown(client, mixed_list, supervisor):
    sign_in(client, supervisor)
    client.get(list_url("dunning:visit_list", mixed_list))
    entry = AccessLogEntry.objects.get(action="view", object_type="dunning.visitlist")
    assert entry.object_id == str(mixed_list.pk) and entry.actor == supervisor
    assert {"name", "address", "notice", "unpaid"} <= set(entry.fields)


def test_an_elderly_only_list_logs_no_amount_fields(client, campaign, field_visitor):
    person(campaign, "江東区東陽五丁目1番1号", {"late_elderly": ELDERLY_AMOUNT}, name="後期 花子")
    visit_list = build_visit_list(
        acting_user=field_visitor, campaign=campaign, visitor=field_visitor
    )
    sign_in(client, field_visitor)
    client.get(list_url("dunning:visit_list", visit_list))
    entry = AccessLogEntry.objects.get(action="view", object_type="dunning.visitlist")
    assert set(entry.fields) == {"address", "name", "name_kana", "notice"}


@pytest.mark.parametrize("stops", [5, 30])
def test_the_page_query_count_does_not_grow_with_the_stops(
    client, campaign, field_visitor, django_assert_max_num_queries, stops
):
    for n in range(stops):
        person(campaign, f"江東区東陽四丁目{n + 1}番1号", {"nhi": 1000 + n}, name=f"国保 {n}")
    visit_list = build_visit_list(
        acting_user=field_visitor, campaign=campaign, visitor=field_visitor, size=stops
    )
    for stop in visit_list.stops.filter(position__lte=2):
        VisitStop.objects.filter(pk=stop.pk).update(
            contact=ContactFactory(obligor=stop.work_item.obligor)
        )
    sign_in(client, field_visitor)
    with django_assert_max_num_queries(21):  # the same bound for 5 and 30 stops
        response = client.get(list_url("dunning:visit_list", visit_list))
    assert response.status_code == 200
    assert len(response.context["sheet"].rows) == stops


# --- The A4 sheet ----------------------------------------------------------------------------


def test_the_sheet_is_an_a4_pdf_without_late_elderly_amounts(client, mixed_list, field_visitor):
    sign_in(client, field_visitor)
    response = client.get(list_url("dunning:visit_list_sheet", mixed_list))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdftotext(response.content)
    for heading in (
        "順番",
        "氏名（カナ）",
        "住所・方書",
        "お知らせ内容",
        "税目・未納額",
        "結果記入欄",
    ):
        assert heading in text
    for name in ("国保 一郎", "後期 花子", "両方 次郎"):
        assert name in text
    assert yen_text(NHI_AMOUNT) in text and yen_text(BOTH_NHI) in text
    assert yen_text(ELDERLY_AMOUNT) not in text
    assert yen_text(BOTH_ELDERLY) not in text
    assert SCRIPT in text.replace("\n", "")


def test_the_sheet_page_is_a4(client, mixed_list, field_visitor):

    sign_in(client, field_visitor)
    page = PdfReader(
        BytesIO(client.get(list_url("dunning:visit_list_sheet", mixed_list)).content)
    ).pages[0]
    size = sorted(
        (
            round(float(page.mediabox.width) / 72 * 25.4),
            round(float(page.mediabox.height) / 72 * 25.4),
        )
    )
    assert size == [210, 297]


def test_printing_the_sheet_is_logged_with_the_fields_shown(client, mixed_list, supervisor):
    sign_in(client, supervisor)
    client.get(list_url("dunning:visit_list_sheet", mixed_list))
    entry = AccessLogEntry.objects.get(action="print", object_type="dunning.visitlist")
    assert entry.object_id == str(mixed_list.pk) and entry.actor == supervisor
    assert {"name", "address", "notice", "unpaid"} <= set(entry.fields)


# --- The case page no longer leads a visitor to 「次の案件」 -------------------------------------


def test_a_visitor_recording_on_the_case_page_returns_to_the_visit_lists(
    client, mixed_list, field_visitor
):
    stop = mixed_list.stops.get(position=1)
    obligor = stop.work_item.obligor
    account = stop.work_item.accounts.first()
    sign_in(client, field_visitor)
    response = client.post(
        reverse("dunning:case", args=[obligor.pk]),
        {
            "party": ContactParty.SELF,
            "outcome": ContactOutcome.WILL_PAY,
            "revenue_types": [account.revenue_type],
            "note": "訪問して納付を案内",
            "next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dunning:visit_lists")


# --- The documents visitors leave, in the admin pages ------------------------------------------


def test_the_administrator_keeps_the_left_notices_and_the_change_is_logged(
    client, admin_user, municipality
):
    sign_in(client, admin_user)
    url = reverse("admin:dunning_leftnoticetemplate_add")
    response = client.post(
        url,
        {
            "municipality": municipality.pk,
            "name": "不在票",
            "description": "",
            "active": "on",
            "order": 1,
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:dunning_leftnoticetemplate_changelist")).status_code == 200
    assert AccessLogEntry.objects.filter(
        action="create", object_type="dunning.leftnoticetemplate", actor=admin_user
    ).exists()
