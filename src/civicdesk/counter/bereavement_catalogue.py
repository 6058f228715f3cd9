"""The demo's bereavement-desk catalogue as data (おくやみコーナー, seed 003 §6(15)⑨): the short
questionnaire (はい／いいえ) and the procedures after a death with their section, place and
what to bring. A procedure applies when every question in its ``when`` is answered はい (none:
to everyone). ``demo_catalogue(municipality)`` writes it for a municipality (the demo part
calls it; a municipality then edits its rows as data).

The procedures are the ones most city halls list on their おくやみ pages; the places are the
demo city hall's; what to bring follows the usual national forms (a municipality edits all of
it as data).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from civicdesk.counter.models import BereavementDesk, BereavementProcedure, BereavementQuestion

CITIZENS = "市民課"
NHI_PENSION = "国保年金課"
LONGEVITY = "長寿社会課"
TAX = "税務課"
WELFARE = "福祉課"

PLACES = {
    CITIZENS: "本庁舎1階 2番窓口",
    NHI_PENSION: "本庁舎1階 4番窓口",
    LONGEVITY: "本庁舎1階 7番窓口",
    TAX: "本庁舎2階 税務課窓口",
    WELFARE: "本庁舎2階 福祉課窓口",
}

ID = "届出人の本人確認書類（運転免許証・マイナンバーカードなど）"
DEATH = "死亡の事実がわかる書類（死亡診断書の写し・戸籍など）"


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    text: str


@dataclass(frozen=True)
class ProcedureSpec:
    name: str
    section: str
    documents: tuple[str, ...]
    when: tuple[str, ...] = ()


QUESTIONS = (
    QuestionSpec("householder", "亡くなった方は世帯主でしたか"),
    QuestionSpec("household_adults", "同じ世帯に15歳以上の方が2人以上残りますか"),
    QuestionSpec("seal", "亡くなった方は印鑑登録をしていましたか"),
    QuestionSpec("my_number_card", "亡くなった方はマイナンバーカードをお持ちでしたか"),
    QuestionSpec("nhi", "亡くなった方は国民健康保険に加入していましたか"),
    QuestionSpec("late_elderly", "亡くなった方は後期高齢者医療制度に加入していましたか"),
    QuestionSpec("funeral", "来庁された方が葬儀を行いましたか（喪主）"),
    QuestionSpec("age65", "亡くなった方は65歳以上でしたか（介護保険の第1号被保険者）"),
    QuestionSpec("pension", "亡くなった方は年金を受け取っていましたか"),
    QuestionSpec("land_house", "亡くなった方は市内に土地・家屋をお持ちでしたか"),
    QuestionSpec("light_vehicle", "亡くなった方は軽自動車・原動機付自転車をお持ちでしたか"),
    QuestionSpec("child_allowance", "亡くなった方は児童手当を受け取っていましたか"),
    QuestionSpec("disability", "亡くなった方は障害者手帳をお持ちでしたか"),
)

PROCEDURES = (
    ProcedureSpec(
        "住民票の除票・除籍謄本の請求（相続の手続に使う方）",
        CITIZENS,
        (ID, "手数料（1通300円・除籍謄本は750円）"),
    ),
    ProcedureSpec(
        "世帯主変更届",
        CITIZENS,
        (ID, "新しい世帯主の方の印鑑（認印）"),
        ("householder", "household_adults"),
    ),
    ProcedureSpec("印鑑登録証（カード）の返却", CITIZENS, ("印鑑登録証（カード）",), ("seal",)),
    ProcedureSpec(
        "マイナンバーカードの返却",
        CITIZENS,
        ("亡くなった方のマイナンバーカード",),
        ("my_number_card",),
    ),
    ProcedureSpec(
        "国民健康保険の資格喪失届",
        NHI_PENSION,
        ("亡くなった方の資格確認書（保険証）", "高齢受給者証（お持ちの方）", ID),
        ("nhi",),
    ),
    ProcedureSpec(
        "国民健康保険 葬祭費の申請",
        NHI_PENSION,
        ("会葬礼状または葬儀の領収書（喪主の名前のもの）", "喪主の方の預金通帳", ID),
        ("nhi", "funeral"),
    ),
    ProcedureSpec(
        "後期高齢者医療の資格喪失届",
        NHI_PENSION,
        ("亡くなった方の資格確認書（保険証）", ID),
        ("late_elderly",),
    ),
    ProcedureSpec(
        "後期高齢者医療 葬祭費の申請",
        NHI_PENSION,
        ("会葬礼状または葬儀の領収書（喪主の名前のもの）", "喪主の方の預金通帳", ID),
        ("late_elderly", "funeral"),
    ),
    ProcedureSpec(
        "国民年金の死亡届・未支給年金の請求",
        NHI_PENSION,
        ("年金証書", DEATH, "受け取る方の預金通帳", "亡くなった方との続柄がわかる戸籍"),
        ("pension",),
    ),
    ProcedureSpec(
        "介護保険の資格喪失届",
        LONGEVITY,
        ("亡くなった方の介護保険被保険者証", "負担割合証・負担限度額認定証（お持ちの方）", ID),
        ("age65",),
    ),
    ProcedureSpec(
        "固定資産 相続人代表者指定届",
        TAX,
        ("相続人代表者の方の印鑑（認印）", ID),
        ("land_house",),
    ),
    ProcedureSpec(
        "軽自動車・原動機付自転車の名義変更・廃車",
        TAX,
        ("車検証または標識交付証明書", "ナンバープレート（廃車のとき）", ID),
        ("light_vehicle",),
    ),
    ProcedureSpec(
        "児童手当の受給者変更（認定請求）",
        WELFARE,
        ("新しく受け取る方の預金通帳", "新しく受け取る方の本人確認書類"),
        ("child_allowance",),
    ),
    ProcedureSpec(
        "障害者手帳の返還",
        WELFARE,
        ("身体障害者手帳・療育手帳・精神障害者保健福祉手帳", ID),
        ("disability",),
    ),
)

# The desk's booking set-up in the demo: an hour per visit, two desks.
DESK = {"slot_minutes": 60, "capacity": 2, "first_slot": "09:00", "last_slot": "15:00"}
RETENTION_DAYS = 90


# --- The demo's catalogue ----------------------------------------------------------------------


def demo_catalogue(municipality) -> dict[str, int]:
    """The desk, the questionnaire and the procedures of ``bereavement_catalogue`` for a
    municipality; rows already there (same code, same name) are left as they are. Returns how
    many of each were made. No personal data: nothing is logged."""
    made = {"desk": 0, "questions": 0, "procedures": 0}
    with transaction.atomic():
        _, created = BereavementDesk.objects.get_or_create(
            municipality=municipality,
            defaults={**DESK, "retention_days": RETENTION_DAYS},
        )
        made["desk"] = int(created)
        for position, spec in enumerate(QUESTIONS, start=1):
            _, created = BereavementQuestion.objects.get_or_create(
                municipality=municipality,
                code=spec.code,
                defaults={"text": spec.text, "position": position * 10},
            )
            made["questions"] += int(created)
        for position, spec in enumerate(PROCEDURES, start=1):
            _, created = BereavementProcedure.objects.get_or_create(
                municipality=municipality,
                name=spec.name,
                defaults={
                    "section": spec.section,
                    "place": PLACES[spec.section],
                    "documents": "\n".join(spec.documents),
                    "when": list(spec.when),
                    "position": position * 10,
                },
            )
            made["procedures"] += int(created)
    return made
