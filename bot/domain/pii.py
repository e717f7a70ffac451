"""Masking customers' emails and phone numbers in free text (dates, order numbers and prices are kept)."""

from __future__ import annotations

import re

EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@((?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24})\b"
)
# A run of digits with phone-style separators, optionally starting with + or 00 or "(": a candidate only;
# _is_phone decides. The look-arounds keep it from starting or ending inside a longer token (12.5, 1,299);
# the bounded length keeps matching linear on long runs of digits.
CANDIDATE = re.compile(r"(?<![\w+.,/:-])(?:\+|\(\+?)?\d[\d \t\u00a0().\-/]{4,22}\d(?![\w]|[.,:/-]\d)")
DATE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")
THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:[ .]\d{3})+$")
REFERENCE_BEFORE = re.compile(
    r"(?:(?:order|invoice|ticket|case|ref|reference|tracking|account|acct|sku|item|customer|id)"
    r"(?:\s*(?:number|no\.?|nr\.?|#))?|\bno\.?|\bnr\.?|#)[\s.:#-]{0,3}$",
    re.IGNORECASE,
)
PHONE_BEFORE = re.compile(
    r"(?:phone|tel|telephone|call|mobile|cell|whatsapp|fax|sms|text me|reach me|my number)\b[^\d\n]{0,12}$",
    re.IGNORECASE,
)
CURRENCY = re.compile(r"(?:[$€£¥₹]|\b(?:eur|usd|gbp|chf|sek|nok|dkk|kr|euros?|dollars?))", re.IGNORECASE)
SPACES = re.compile(r"[\s\u00a0]+")


def mask_email(local: str, domain: str) -> str:
    return f"{local[0]}***@{domain}"


def _is_phone(candidate: str, before: str, after: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if not 7 <= digits <= 15 or DATE.match(candidate):
        return False
    if REFERENCE_BEFORE.search(before):
        return False
    if CURRENCY.search(before[-4:]) or CURRENCY.match(after.lstrip()[:6]):
        return False
    if candidate.startswith(("+", "(", "00")) or PHONE_BEFORE.search(before):
        return True
    groups = [g for g in re.split(r"[\s().\-/]+", candidate) if g]
    if len(groups) < 2 or THOUSANDS.match(SPACES.sub(" ", candidate)):
        return False
    if "." in candidate and not candidate.startswith("0"):
        return False  # 10.20.30.40 is an address or a version, not a phone; French 06.12.34.56.78 is
    return all(len(g) <= 5 for g in groups)


def _mask_phone(candidate: str) -> str:
    country = re.match(r"^\+(\d{1,3})[\s().-]", candidate)
    prefix = f"+{country.group(1)} " if country else ""
    return f"{prefix}*** *** {''.join(c for c in candidate if c.isdigit())[-2:]}"


def mask_pii(text: str) -> str:
    """`text` with emails as j***@example.com and phone numbers as +49 *** *** 12; all else unchanged."""
    text = EMAIL.sub(lambda m: mask_email(m.group(1), m.group(2)), text)
    out: list[str] = []
    last = 0
    for match in CANDIDATE.finditer(text):
        candidate = match.group(0).rstrip(" ")
        start, end = match.start(), match.start() + len(candidate)
        if _is_phone(candidate, text[max(0, start - 30) : start], text[end : end + 8]):
            out.append(text[last:start])
            out.append(_mask_phone(candidate))
            last = end
    out.append(text[last:])
    return "".join(out)
