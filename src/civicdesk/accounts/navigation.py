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
# The privacy section (個人情報管理) has one menu entry and its own index page.
PRIVACY_ROLES = frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR, Role.ADMIN})

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
    NavItem("個人情報管理", "privacy:index", PRIVACY_ROLES),
    NavItem("システム管理", "admin:index", frozenset({Role.ADMIN})),
]


@dataclass(frozen=True)
class SectionItem(NavItem):
    description: str = ""


_CENTER_AND_MUNICIPALITY = frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR})
_AUDITORS = frozenset({Role.INSPECTOR, Role.ADMIN})

# The pages of 個人情報管理, in the order of a year's work: who works, what leaves, what
# happened, what is reported, what is erased, and the inspectors' logs.
PRIVACY_ITEMS = [
    SectionItem(
        "業務従事者名簿",
        "accounts:rosters",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "毎月の名簿（前月20日までに提出）と臨時の変更。名簿にない従事者はログインできません。",
    ),
    SectionItem(
        "持出し申請",
        "privacy:export_requests",
        PRIVACY_ROLES,
        "個人情報を含むファイルの出力：理由・承認・暗号化・返却確認。",
    ),
    SectionItem(
        "受渡し記録",
        "privacy:handover_register",
        PRIVACY_ROLES,
        "自治体との個人情報の受渡し（取込みと引渡し）と受領確認。",
    ),
    SectionItem(
        "事故記録",
        "privacy:incidents",
        _CENTER_AND_MUNICIPALITY,
        "個人情報の漏えい・紛失等の記録と自治体への報告。",
    ),
    SectionItem(
        "取扱状況報告",
        "privacy:status_reports",
        _CENTER_AND_MUNICIPALITY,
        "半期ごとの個人情報の取扱状況の報告書。",
    ),
    SectionItem(
        "個人情報の消去",
        "privacy:purge_plans",
        _CENTER_AND_MUNICIPALITY,
        "消去計画の承認、消去証明書、残存がないことの検証。",
    ),
    SectionItem(
        "アクセスログ", "privacy:access_log", _AUDITORS, "すべての閲覧・変更・出力・印刷の記録。"
    ),
    SectionItem(
        "アクセス点検",
        "privacy:alerts",
        _AUDITORS,
        "アクセスログの毎日の分析で見つかった確認事項。",
    ),
]


def privacy_items_for(user) -> list[SectionItem]:
    if not user.is_authenticated:
        return []
    return [item for item in PRIVACY_ITEMS if user.role in item.roles]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]
