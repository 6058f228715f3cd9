"""The demo's counter set-up as data: queues, counters, the procedure catalogue of seed 003 §6
and its fee schedule.

Fees: where a national standard exists (地方公共団体の手数料の標準に関する政令) the amount is
that standard and ``basis`` says so; everything else is set by each municipality's ordinance
(手数料条例): the demo uses the common 300円 and ``basis`` says 「市の条例で定める額（デモ）」 so
that a municipality knows to enter its own. Passports are paid with revenue stamps, not at the
counter: no fee row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NATIONAL = "地方公共団体の手数料の標準に関する政令"
LOCAL = "市の条例で定める額（デモ：各自治体で設定してください）"

# seed 003 §6(1)① ア〜エ
CERTIFICATE_CHECKS = (
    "ア 請求者が法令上請求できる者であることを確認した",
    "イ 請求者の本人確認をした",
    "ウ 請求書の記載内容を点検した",
    "エ 必要書類等を確認した",
)
# seed 003 §6(2)① ア〜エ
SEAL_CHECKS = (
    "ア 申請者が法令上申請できる者であることを確認した",
    "イ 申請者の本人確認をした",
    "ウ 申請書の記載内容を点検した",
    "エ 登録可能な印鑑であることを確認した",
)
# seed 003 §6(3)① ア〜ケ
MOVE_CHECKS = (
    "ア 届出者が法令上届出できる者であることを確認した",
    "イ 届出者の本人確認をした",
    "ウ 異動届の記載内容を点検した",
    "エ 必要書類等を確認した",
    "オ 関連手続きを確認した",
    "カ 住民基本台帳と照合した",
    "キ 住民記録システムに登録した",
    "ク 要件を満たさない場合の説明をした（該当時）",
    "ケ 交付書類等を交付した",
)
INTAKE_CHECKS = (
    "届出者・申請者の本人確認をした",
    "届出書・申請書の記載内容を点検した",
    "必要書類等を確認した",
)
ALL_REQUESTERS = ("self", "agent", "third_party", "official", "postal")
IN_PERSON = ("self", "agent")


@dataclass(frozen=True)
class QueueSpec:
    code: str
    name: str
    target_wait_minutes: int


@dataclass(frozen=True)
class CounterSpec:
    code: str
    name: str
    kind: str
    queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeeSpec:
    unit_fee: int
    basis: str
    exempt: tuple[str, ...] = ("official",)


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    category: str
    queue: str
    checklist: tuple[str, ...]
    requester_kinds: tuple[str, ...] = IN_PERSON
    data_items: tuple[str, ...] = ("requester_name",)
    section: str = "市民課"
    requires_review: bool = True
    uses_tamper_proof_paper: bool = False
    fee: FeeSpec | None = None
    extra: dict = field(default_factory=dict)


QUEUES = (
    QueueSpec("A", "証明書", 10),
    QueueSpec("B", "住民異動・印鑑・マイナンバー", 20),
    QueueSpec("C", "国保・後期高齢・年金・医療費", 20),
    QueueSpec("D", "おくやみコーナー（予約）", 10),
)

COUNTERS = (
    CounterSpec("1", "1番窓口", "clerk", ("A", "B")),
    CounterSpec("2", "2番窓口", "clerk", ("A", "B")),
    CounterSpec("3", "3番窓口", "clerk", ("B", "A")),
    CounterSpec("4", "4番窓口", "clerk", ("C",)),
    CounterSpec("5", "5番窓口", "clerk", ("C", "B")),
    CounterSpec("6", "おくやみコーナー", "clerk", ("D",)),
    CounterSpec("K", "会計", "cashier"),
)

_CERT = {
    "category": "certificate",
    "queue": "A",
    "checklist": CERTIFICATE_CHECKS,
    "requester_kinds": ALL_REQUESTERS,
    "data_items": ("requester_name", "subject_name"),
    "uses_tamper_proof_paper": True,
}

PROCEDURES = (
    ProcedureSpec("juminhyo", "住民票の写し", fee=FeeSpec(300, LOCAL), **_CERT),
    ProcedureSpec("kisaijiko", "住民票記載事項証明書", fee=FeeSpec(300, LOCAL), **_CERT),
    ProcedureSpec(
        "koseki", "戸籍全部・個人事項証明書（謄本・抄本）", fee=FeeSpec(450, NATIONAL), **_CERT
    ),
    ProcedureSpec("joseki", "除籍・改製原戸籍謄本・抄本", fee=FeeSpec(750, NATIONAL), **_CERT),
    ProcedureSpec("koseki_juri", "戸籍届出の受理証明書", fee=FeeSpec(350, NATIONAL), **_CERT),
    ProcedureSpec("fuhyo", "戸籍の附票の写し", fee=FeeSpec(300, LOCAL), **_CERT),
    ProcedureSpec("inkan_shomei", "印鑑登録証明書", fee=FeeSpec(300, LOCAL), **_CERT),
    ProcedureSpec(
        "zei_shomei",
        "税証明（所得・課税証明書）",
        section="税務課",
        fee=FeeSpec(300, LOCAL),
        **_CERT,
    ),
    ProcedureSpec("mibun", "身分証明書（行政証明）", fee=FeeSpec(300, LOCAL), **_CERT),
    ProcedureSpec(
        "inkan_toroku",
        "印鑑登録・廃止",
        "seal",
        "B",
        SEAL_CHECKS,
        fee=FeeSpec(300, LOCAL, ()),
    ),
    ProcedureSpec("tennyu", "転入届", "move", "B", MOVE_CHECKS),
    ProcedureSpec("tenkyo", "転居届", "move", "B", MOVE_CHECKS),
    ProcedureSpec("tenshutsu", "転出届", "move", "B", MOVE_CHECKS),
    ProcedureSpec("setai", "世帯変更届", "move", "B", MOVE_CHECKS),
    ProcedureSpec(
        "mynumber_shinsei",
        "マイナンバーカード交付申請・電子証明書",
        "my_number_card",
        "B",
        INTAKE_CHECKS,
        requires_review=False,
    ),
    ProcedureSpec(
        "mynumber_saikofu",
        "マイナンバーカード再交付申請",
        "my_number_card",
        "B",
        INTAKE_CHECKS,
        requires_review=False,
        fee=FeeSpec(1000, LOCAL, ()),
    ),
    ProcedureSpec(
        "kaiso",
        "改葬許可申請",
        "reburial",
        "B",
        INTAKE_CHECKS,
        requester_kinds=("self", "agent", "postal"),
    ),
    ProcedureSpec(
        "ryoken_juryo",
        "旅券の申請受付・受領",
        "passport",
        "B",
        (*INTAKE_CHECKS, "一般旅券受領書を交付し身元確認資料を返還した"),
        requires_review=False,
    ),
    ProcedureSpec(
        "karinanbar",
        "自動車臨時運行許可",
        "vehicle_permit",
        "B",
        (*INTAKE_CHECKS, "自賠責保険の期間を確認した", "ナンバープレートと許可証を準備した"),
        data_items=("requester_name", "vehicle_chassis_no"),
        fee=FeeSpec(750, NATIONAL, ()),
    ),
    ProcedureSpec(
        "kokuho",
        "国民健康保険の届出（資格取得・喪失・変更）",
        "nhi",
        "C",
        INTAKE_CHECKS,
        section="国保年金課",
    ),
    ProcedureSpec(
        "kokuho_saikofu",
        "国民健康保険 被保険者証等の再交付",
        "nhi",
        "C",
        INTAKE_CHECKS,
        section="国保年金課",
    ),
    ProcedureSpec(
        "kogaku",
        "高額療養費・療養費・葬祭費の申請",
        "nhi",
        "C",
        INTAKE_CHECKS,
        requester_kinds=("self", "agent", "postal"),
        data_items=("requester_name", "mailing_address"),
        section="国保年金課",
    ),
    ProcedureSpec(
        "iryohi",
        "医療費給付（子ども・妊産婦・重度心身障害者・ひとり親）",
        "medical_aid",
        "C",
        INTAKE_CHECKS,
        section="国保年金課",
    ),
    ProcedureSpec(
        "kouki",
        "後期高齢者医療の届出・申請",
        "late_elderly",
        "C",
        INTAKE_CHECKS,
        section="国保年金課",
    ),
    ProcedureSpec(
        "nenkin",
        "国民年金の届出・免除申請・給付請求",
        "pension",
        "C",
        INTAKE_CHECKS,
        section="国保年金課",
        requires_review=False,
    ),
    ProcedureSpec(
        "okuyami",
        "おくやみコーナー（予約）",
        "other",
        "D",
        ("予約内容と来庁者を確認した", "必要な手続きと関係課を説明した"),
        data_items=(),
        requires_review=False,
    ),
)
