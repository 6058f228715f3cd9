from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from civicdesk.accounts.models import Team, User
from civicdesk.accounts.services import users as services
from civicdesk.audit.admin import AccessLoggedAdmin


@admin.register(Team)
class TeamAdmin(AccessLoggedAdmin):
    list_display = ["name", "municipality", "revenue_type_list"]
    list_filter = ["municipality"]
    search_fields = ["name"]

    @admin.display(description="担当する税目・保険料")
    def revenue_type_list(self, team: Team) -> str:
        return "、".join(team.revenue_type_labels())


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "team", "municipality", "is_active"]
    list_filter = ["role", "team", "municipality", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("所属と役割", {"fields": ["display_name", "role", "municipality", "team"]}),
        ("状態", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "password1", "password2", "role", "municipality", "team"],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # The access log refers to users for as long as it is kept: deactivate instead.
        return False

    def save_model(self, request, obj, form, change):
        services.save_user(acting_user=request.user, user=obj, changed_fields=form.changed_data)
