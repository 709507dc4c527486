"""Synthetic programme data: 31 provincial associations, 4 phases, quotas and a registry."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.parsing import national_id_check_digit
from gateway.platform.dates import utcnow
from gateway.store import insert_missing
from gateway.store.models import Association, Pensioner, Phase, Quota

# The 31 provinces, each with its retirees' association (code = province number).
PROVINCES = (
    "آذربایجان شرقی", "آذربایجان غربی", "اردبیل", "اصفهان", "البرز", "ایلام", "بوشهر",
    "تهران", "چهارمحال و بختیاری", "خراسان جنوبی", "خراسان رضوی", "خراسان شمالی",
    "خوزستان", "زنجان", "سمنان", "سیستان و بلوچستان", "فارس", "قزوین", "قم", "کردستان",
    "کرمان", "کرمانشاه", "کهگیلویه و بویراحمد", "گلستان", "گیلان", "لرستان", "مازندران",
    "مرکزی", "هرمزگان", "همدان", "یزد",
)  # fmt: skip
FIRST_NAMES = (
    "علی",
    "محمد",
    "حسین",
    "رضا",
    "فاطمه",
    "زهرا",
    "مریم",
    "احمد",
    "مهدی",
    "اکبر",
    "پروین",
    "منیژه",
    "عباس",
    "قاسم",
    "صغری",
    "کبری",
    "غلامرضا",
    "نصرت",
)
LAST_NAMES = (
    "محمدی",
    "حسینی",
    "احمدی",
    "رضایی",
    "کریمی",
    "موسوی",
    "جعفری",
    "صادقی",
    "رحیمی",
    "کاظمی",
    "قاسمی",
    "نوری",
    "یزدانی",
    "فرهادی",
    "اکبری",
    "طاهری",
)
MOBILE_PREFIXES = ("912", "913", "919", "935", "936", "901", "921")
PHASES = 4
PHASE_DAYS = 30


def association_code(index: int) -> str:
    return f"{index + 1:02d}"


def make_national_id(rng: random.Random) -> str:
    """A random national ID with a valid check digit (never all one digit)."""
    while True:
        first9 = f"{rng.randrange(10**9):09d}"
        if len(set(first9)) > 1:
            return first9 + str(national_id_check_digit(first9))


def generate_pensioners(count: int, seed: int = 1404) -> Iterator[dict]:
    """`count` distinct synthetic pensioners, the same for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    now = utcnow()
    while len(seen) < count:
        national_id = make_national_id(rng)
        if national_id in seen:
            continue
        seen.add(national_id)
        yield {
            "national_id": national_id,
            "pension_number": str(rng.randrange(10**7, 10**9)),
            "full_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "association_code": association_code(rng.randrange(len(PROVINCES))),
            "mobile": f"+98{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}",
            "eligible": rng.random() > 0.03,
            "prior_loan": rng.random() < 0.03,
            "updated_at": now,
        }


def phase_rows(timezone: str) -> list[dict]:
    """Four phases of 30 days; the first opened at midnight today (programme time zone)."""
    midnight = datetime.now(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        {
            "number": n,
            "opens_at": midnight + timedelta(days=PHASE_DAYS * (n - 1)),
            "closes_at": midnight + timedelta(days=PHASE_DAYS * n),
        }
        for n in range(1, PHASES + 1)
    ]


def seed_demo_data(session: Session, pensioners: int, timezone: str) -> None:
    """Insert whatever of the demo data is missing; existing rows are left untouched."""
    associations = [
        {"code": association_code(i), "name": f"کانون بازنشستگان استان {name}"}
        for i, name in enumerate(PROVINCES)
    ]
    insert_missing(session, Association, associations, ["code"])
    insert_missing(session, Phase, phase_rows(timezone), ["number"])
    per_place = max(1, pensioners // (len(PROVINCES) * PHASES * 2))
    quotas = [
        {"association_code": a["code"], "phase": n, "limit": per_place, "used": 0}
        for a in associations
        for n in range(1, PHASES + 1)
    ]
    insert_missing(session, Quota, quotas, ["association_code", "phase"])
    insert_missing(session, Pensioner, generate_pensioners(pensioners), ["national_id"])
