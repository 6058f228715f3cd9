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
    # The service counters (seed 003): each role's own work page, and the section 窓口業務.
    NavItem("発券", "counter:reception", frozenset({Role.RECEPTION})),
    NavItem("窓口", "counter:desk", frozenset({Role.COUNTER_CLERK, Role.CASHIER})),
    NavItem("会計", "counter:cashier", frozenset({Role.CASHIER})),
    NavItem("審査", "counter:reviews", frozenset({Role.STAFF})),
    NavItem(
        "窓口業務",
        "counter:index",
        frozenset(
            {
                Role.RECEPTION,
                Role.COUNTER_CLERK,
                Role.CASHIER,
                Role.SUPERVISOR,
                Role.STAFF,
                Role.INSPECTOR,
            }
        ),
    ),
    # My Number card issuance (seed 004): each role's own work page, and the section カード交付業務.
    NavItem("カード予約受付", "cards:call_center", frozenset({Role.CARD_OPERATOR})),
    NavItem("交付窓口", "cards:venue_desk", frozenset({Role.VENUE_CLERK})),
    NavItem(
        "カード交付業務",
        "cards:index",
        frozenset(
            {
                Role.CARD_OPERATOR,
                Role.VENUE_CLERK,
                Role.SUPERVISOR,
                Role.STAFF,
                Role.INSPECTOR,
            }
        ),
    ),
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


_COUNTER_ALL = frozenset(
    {Role.RECEPTION, Role.COUNTER_CLERK, Role.CASHIER, Role.SUPERVISOR, Role.STAFF}
)

# The pages of 窓口業務 (seed 003), for the roles that do not have them in the menu.
COUNTER_ITEMS = [
    SectionItem(
        "発券（受付）",
        "counter:reception",
        frozenset({Role.SUPERVISOR}),
        "番号札の発券。受付の応援や確認に。",
    ),
    SectionItem(
        "混雑状況",
        "counter:congestion",
        frozenset({Role.SUPERVISOR, Role.STAFF}),
        "待ち行列ごとの待ち人数・最長待ち時間・目標時間内の割合、開いている窓口。",
    ),
    SectionItem(
        "請求・届出",
        "counter:requests",
        frozenset({Role.COUNTER_CLERK, Role.CASHIER, Role.SUPERVISOR, Role.STAFF}),
        "窓口で受け付けた請求・届出と、その確認事項・審査・交付の状況。",
    ),
    SectionItem(
        "郵送・公用の請求",
        "counter:request_new_postal",
        frozenset({Role.COUNTER_CLERK}),
        "番号札のない郵送請求・公用請求の受付。",
    ),
    SectionItem(
        "日計・精算",
        "counter:day_close",
        frozenset({Role.CASHIER, Role.SUPERVISOR, Role.STAFF}),
        "その日の手数料の集計、金種ごとの現金実査、過不足の理由、職員の確認。",
    ),
    SectionItem(
        "改ざん防止用紙",
        "counter:paper",
        frozenset({Role.COUNTER_CLERK, Role.CASHIER, Role.SUPERVISOR, Role.STAFF}),
        "受入・使用・書損・棚卸と在庫。",
    ),
    SectionItem(
        "臨時運行許可",
        "counter:plates",
        frozenset({Role.COUNTER_CLERK, Role.SUPERVISOR, Role.STAFF}),
        "番号標の発行管理簿（貸出・返却・期限切れ）。",
    ),
    SectionItem(
        "おくやみコーナー（本日の予約・来庁）",
        "counter:bereavement_reception",
        frozenset({Role.RECEPTION, Role.COUNTER_CLERK}),
        "予約の受付（電話・窓口）と来庁時の番号札。",
    ),
    SectionItem(
        "おくやみコーナー（予約枠）",
        "counter:bereavement_slots",
        frozenset({Role.RECEPTION, Role.COUNTER_CLERK, Role.SUPERVISOR, Role.STAFF}),
        "今後2週間の予約枠と空き。",
    ),
    SectionItem(
        "おくやみコーナー（相談記録）",
        "counter:bereavement_cases",
        frozenset({Role.COUNTER_CLERK, Role.SUPERVISOR, Role.STAFF}),
        "聞き取り、必要な手続と関係課への周知、案内の印刷。",
    ),
    SectionItem(
        "窓口の開庁日",
        "counter:hours",
        _COUNTER_ALL,
        "開庁日と時間（月曜の延長、指定開庁日）。職員は土日の開庁日を指定します。",
    ),
    SectionItem(
        "手続と手数料",
        "counter:procedures",
        _COUNTER_ALL,
        "手続ごとの確認事項・請求者・審査の要否と手数料。",
    ),
    SectionItem(
        "表示端末",
        "counter:displays",
        frozenset({Role.SUPERVISOR, Role.STAFF}),
        "待合表示・会計呼び出し表示の端末の登録と停止。",
    ),
    SectionItem(
        "窓口業務の報告書",
        "reports:counter_index",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "日次・月次・年次の業務報告書（Excel・PDF・CSV）。",
    ),
]


_CARD_ALL = frozenset(
    {Role.CARD_OPERATOR, Role.VENUE_CLERK, Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}
)

# The pages of カード交付業務 (seed 004), in the order of the work: targets, bookings, paper,
# cards on the move, the venue day, the counts, the recordings, the reports.
CARD_ITEMS = [
    SectionItem(
        "交付対象者",
        "cards:targets",
        _CARD_ALL,
        "区から受け取った交付対象者と、その状況（発送・予約・交付）と記録。",
    ),
    SectionItem(
        "交付対象者ファイルの取込",
        "cards:target_import",
        frozenset({Role.SUPERVISOR, Role.STAFF}),
        "区の交付対象者ファイル（CSV）の取込と交付通知書の受領枚数。",
    ),
    SectionItem(
        "カードコールセンター",
        "cards:call_center",
        frozenset({Role.SUPERVISOR}),
        "予約管理番号・氏名と生年月日で検索し、電話・FAXの予約の受付・変更・取消。",
    ),
    SectionItem(
        "受電一覧",
        "cards:calls",
        frozenset({Role.SUPERVISOR}),
        "その日の受電（通話の種別ア〜オ別）。",
    ),
    SectionItem(
        "予約枠",
        "cards:slots",
        _CARD_ALL,
        "会場ごとの予約枠と経路別の席数・予約数。区職員が枠を作り、席数を変えます。",
    ),
    SectionItem(
        "印刷・発送",
        "cards:mailings",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "交付説明文書・再発行用ハガキの印刷データ（印刷回ごと）と発送の記録。",
    ),
    SectionItem(
        "カードの受領",
        "cards:receipts",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "区から受け取ったカードの記録（送付書の枚数と記録した枚数）。",
    ),
    SectionItem(
        "会場への送付",
        "cards:transfers",
        frozenset({Role.VENUE_CLERK, Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "各会場へのカードの送付、各会場送付台帳（控え付き）、会場での受領。",
    ),
    SectionItem(
        "会場の日締め",
        "cards:venue_day",
        frozenset({Role.VENUE_CLERK, Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "前日残＋受領−交付−返却−交付不可＝実数の確認と、差異の説明。",
    ),
    SectionItem(
        "突合",
        "cards:reconciliation",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "交付通知書の受領数と発送数、カードの受領数と会場への送付数の突合と日締め。",
    ),
    SectionItem(
        "通話録音",
        "cards:recordings",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "コールセンターの通話録音の保管期限・消去期限・消去停止、再生（記録されます）と消去証明。",
    ),
    SectionItem(
        "通話録音の提供",
        "cards:disclosures",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "提供の根拠・提供先・範囲、区職員の承認、提供と区民課長への報告（報告期限の超過）。",
    ),
    SectionItem(
        "カード交付の報告書",
        "reports:cards_index",
        frozenset({Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}),
        "会場別の日次・月次報告書（Excel・PDF・CSV）。",
    ),
]


def card_items_for(user) -> list[SectionItem]:
    if not user.is_authenticated:
        return []
    return [item for item in CARD_ITEMS if user.role in item.roles]


def counter_items_for(user) -> list[SectionItem]:
    if not user.is_authenticated:
        return []
    return [item for item in COUNTER_ITEMS if user.role in item.roles]


def privacy_items_for(user) -> list[SectionItem]:
    if not user.is_authenticated:
        return []
    return [item for item in PRIVACY_ITEMS if user.role in item.roles]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]
