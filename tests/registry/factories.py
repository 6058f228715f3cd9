"""Obligors, accounts and installments as the importer leaves them (search keys filled)."""

import datetime as dt

import factory

from civicdesk.core.japanese import normalize_name, normalize_phone, phone_kind
from civicdesk.receivables.models import Account, Installment
from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone
from tests.factories import MunicipalityFactory


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    municipality = factory.SubFactory(MunicipalityFactory)
    household_no = factory.Sequence(lambda n: f"H{n:07d}")


class ObligorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obligor

    municipality = factory.SubFactory(MunicipalityFactory)
    resident_no = factory.Sequence(lambda n: f"{100000 + n:09d}")
    name = "山田 太郎"
    name_kana = "ヤマダ タロウ"
    sex = "male"
    birth_date = dt.date(1960, 5, 1)
    postal_code = "135-0016"
    address = "東京都江東区東陽四丁目11番28号"
    address_extra = ""
    # What the importer stores: core.japanese.normalize_name of the name and of the kana.
    name_key = factory.LazyAttribute(lambda o: normalize_name(o.name))
    kana_key = factory.LazyAttribute(lambda o: normalize_name(o.name_kana))


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    resident_no = factory.Sequence(lambda n: f"{800000 + n:09d}")
    name = "山田 花子"
    name_kana = "ヤマダ ハナコ"
    sex = "female"
    birth_date = dt.date(1962, 8, 15)
    relationship = "妻"


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    obligor = factory.SubFactory(ObligorFactory)
    display = "090-1234-5678"
    number = factory.LazyAttribute(lambda o: normalize_phone(o.display))
    kind = factory.LazyAttribute(lambda o: phone_kind(o.display))


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    obligor = factory.SubFactory(ObligorFactory)
    municipality = factory.SelfAttribute("obligor.municipality")
    revenue_type = "nhi"
    case_no = factory.Sequence(lambda n: f"C{n:08d}")


class InstallmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Installment

    account = factory.SubFactory(AccountFactory)
    fiscal_year = 2024
    period = factory.Sequence(lambda n: str(n % 10 + 1))
    due_date = dt.date(2024, 7, 31)
    assessed = 10_000
    paid = 0
