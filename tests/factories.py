import factory

from civicdesk.accounts import roles
from civicdesk.accounts.models import Team, User
from civicdesk.core.models import Municipality


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["code"]

    code = "131083"
    name = "江東区（デモ）"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"チーム{n}")
    revenue_types = factory.LazyFunction(lambda: ["nhi"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "operator"
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.django.Password("correct-horse-battery-42")

    @factory.post_generation
    def role_group(obj, create, extracted, **kwargs):
        if create:
            roles.sync_role_group(obj)
