"""What each role sees in the navigation bar. Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from civicdesk.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]

    @property
    def url(self) -> str:
        return reverse(self.url_name)


ALL_ROLES = frozenset(Role.values)

NAV_ITEMS = [
    NavItem("ホーム", "core:home", ALL_ROLES),
    NavItem("業務カレンダー", "core:calendar", ALL_ROLES),
    NavItem(
        "宛名検索",
        "registry:search",
        frozenset({Role.OPERATOR, Role.VISITOR, Role.SUPERVISOR, Role.STAFF}),
    ),
    NavItem("次の案件", "dunning:work", frozenset({Role.OPERATOR, Role.SUPERVISOR})),
    NavItem("訪問リスト", "dunning:visit_lists", frozenset({Role.VISITOR, Role.SUPERVISOR})),
    NavItem("受電", "dunning:inbound", frozenset({Role.OPERATOR, Role.SUPERVISOR})),
    NavItem(
        "催告計画",
        "dunning:campaigns",
        frozenset({Role.OPERATOR, Role.VISITOR, Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
    ),
    NavItem("稼働状況", "dunning:live", frozenset({Role.SUPERVISOR, Role.STAFF})),
    NavItem(
        "引継ぎ",
        "dunning:hand_overs",
        frozenset({Role.OPERATOR, Role.VISITOR, Role.SUPERVISOR, Role.STAFF}),
    ),
    NavItem(
        "催告書",
        "dunning:letter_batches",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
    ),
    NavItem("SMS", "sms:batches", frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR})),
    NavItem(
        "業務報告書", "reports:index", frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR})
    ),
    NavItem(
        "本日の状況",
        "reports:dashboard",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
    ),
    NavItem("職員への依頼", "dunning:staff_requests", frozenset({Role.SUPERVISOR, Role.STAFF})),
    NavItem("効果なし", "dunning:no_effect", frozenset({Role.SUPERVISOR, Role.STAFF})),
    NavItem("データ取込み", "receivables:imports", frozenset({Role.STAFF})),
    NavItem("アクセスログ", "privacy:access_log", frozenset({Role.INSPECTOR, Role.ADMIN})),
    NavItem("アクセス点検", "privacy:alerts", frozenset({Role.INSPECTOR, Role.ADMIN})),
    NavItem("システム管理", "admin:index", frozenset({Role.ADMIN})),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]
