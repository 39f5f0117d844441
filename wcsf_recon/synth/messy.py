"""How real people and sales reps write contact details: the noise the synthetic world adds."""

from __future__ import annotations

import random

from unidecode import unidecode

from .vocab import DOMAIN_TYPOS, NICKNAMES, PHONETIC_SWAPS, TERRITORY_CODES, TOWN_PATTERNS


def ascii_lower(text: str) -> str:
    """`O'Brien-Díaz` -> `obrien-diaz` (for email local parts)."""
    return unidecode(text).lower().replace("'", "").replace(" ", "")


def cnam(first: str, last: str, rng: random.Random) -> str:
    """Caller-ID name as carriers send it: SURNAME FIRST, upper case, ASCII, 15 chars."""
    last_up = unidecode(last).upper().replace("-", " ").replace("'", "")
    first_up = unidecode(first).upper()
    text = f"{last_up} {first_up[0]}" if rng.random() < 0.25 else f"{last_up} {first_up}"
    return text[:15].strip()


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: two neighbouring letters swapped or one letter doubled."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[: i + 1] + word[i] + word[i + 1 :]


def typed_name(first: str, last: str, rng: random.Random) -> str:
    """A name as typed into a web form: lower case, nicknames, typos, first name only."""
    r = rng.random()
    if first in NICKNAMES and r < 0.2:
        first = rng.choice(NICKNAMES[first])
    r = rng.random()
    if r < 0.05:
        return first.lower()
    if r < 0.09:
        last = typo(last, rng)
    text = f"{first} {last}"
    r = rng.random()
    if r < 0.3:
        return text.lower()
    if r < 0.36:
        return text.upper()
    if r < 0.40:
        return f"  {text} "
    return text


def email_for(first: str, last: str, domain: str, rng: random.Random) -> str:
    """A plausible personal address."""
    f, lname = ascii_lower(first), ascii_lower(last)
    r = rng.random()
    if r < 0.4:
        local = f"{f}.{lname}"
    elif r < 0.6:
        local = f"{f}{lname}{rng.randrange(1, 99)}"
    elif r < 0.8:
        local = f"{f[0]}{lname}"
    else:
        local = f"{f}_{lname}{rng.randrange(60, 99)}"
    return f"{local}@{domain}"


def messy_email(email: str, rng: random.Random, typo_rate: float = 0.05) -> str:
    """Mixed case, stray spaces, a misspelled domain, as people type them."""
    local, _, domain = email.partition("@")
    garbage = rng.random()
    if garbage < 0.01:
        return rng.choice(("n/a", "none", f"{local}@{domain.split('.')[0]}", f"{local}@@{domain}"))
    if domain in DOMAIN_TYPOS and rng.random() < typo_rate:
        domain = rng.choice(DOMAIN_TYPOS[domain])
    text = f"{local}@{domain}"
    r = rng.random()
    if r < 0.25:
        text = text[0].upper() + text[1:]
        text = text.replace(f"@{domain}", f"@{domain.capitalize()}")
    elif r < 0.3:
        text = text.upper()
    if rng.random() < 0.1:
        text = f" {text}  "
    return text


def rep_phone(e164: str, country: str, rng: random.Random) -> str:
    """A phone number as a sales rep types it into Salesforce."""
    if rng.random() < 0.01:  # what reps type when they have no full number
        return rng.choice(("555-0142", "TBD", "000-000-0000", e164[-7:]))
    if country in ("US", "CA"):
        a, b, c = e164[2:5], e164[5:8], e164[8:12]
        forms: tuple[str, ...] = (
            f"({a}) {b}-{c}",
            f"({a}) {b}-{c}",
            f"{a}-{b}-{c}",
            f"{a}.{b}.{c}",
            f"{a}{b}{c}",
            f"+1 {a} {b} {c}",
            f"1-{a}-{b}-{c}",
            f"{a}.{b}.{c} x{rng.randrange(10, 300)}",
            f"({a}) {b}-{c} ext. {rng.randrange(1, 99)}",
            e164,
        )
        return rng.choice(forms)
    nsn = e164[3:]
    area_len = 2 if nsn.startswith("20") else 3
    area, rest = nsn[:area_len], nsn[area_len:]
    forms = (
        f"0{area} {rest[:4]} {rest[4:]}" if area_len == 2 else f"0{area} {rest[:3]} {rest[3:]}",
        f"+44 {area} {rest}",
        f"(0{area}) {rest}",
        e164,
    )
    return rng.choice(forms)


# ---- kinds of mess found outside (used by outside.py with its own random stream) --------------
CALLER_ID_LENGTH = 15  # CNAM carries at most 15 characters


def first_last_cnam(first: str, last: str, rng: random.Random) -> str:
    """Caller ID in FIRST LAST or LAST,FIRST order, cut at 15 characters (`CHRISTOPHER MAR`, `FITZGERALD,CATH`)."""
    last_up = unidecode(last).upper().replace("-", " ").replace("'", "")
    first_up = unidecode(first).upper()
    text = f"{first_up} {last_up}" if rng.random() < 0.6 else f"{last_up},{first_up}"
    return text[:CALLER_ID_LENGTH].strip()


def place_cnam(town: str, state: str, rng: random.Random) -> str:
    """A rate-centre caller ID: a town and a state or territory code, cut at 15 (`EAST JENNIFERMO`, `TARABURGH PW`)."""
    code = state if (state and rng.random() < 0.6) else rng.choice(TERRITORY_CODES)
    return f"{unidecode(town).upper()} {code}"[:CALLER_ID_LENGTH].strip()


def made_up_town(stem: str, rng: random.Random) -> str:
    """A town named after a person (`Margaretville`, `Andersonmouth`), as carrier data is full of."""
    return rng.choice(TOWN_PATTERNS).format(unidecode(stem).upper().replace("'", "").replace("-", ""))


def misspell(name: str, rng: random.Random) -> str:
    """A letter dropped or inserted, or a sound-alike spelling (`Thompson` -> `Tomson`, `Phillips` -> `Fillips`)."""
    if len(name) < 3:
        return name
    lower = name.lower()
    roll = rng.random()
    if roll < 0.45:
        swaps = [(a, b) for a, b in PHONETIC_SWAPS if a in lower]
        if swaps:
            a, b = rng.choice(swaps)
            starts = [i for i in range(len(lower)) if lower.startswith(a, i)]
            i = rng.choice(starts)
            out = lower[:i] + b + lower[i + len(a) :]
            return _recase(out, name) if out and out != lower else name
    if roll < 0.75:
        i = rng.randrange(1, len(lower))
        out = lower[:i] + lower[i + 1 :]
    else:
        i = rng.randrange(1, len(lower) + 1)
        out = lower[:i] + rng.choice("aeiounrsthl") + lower[i:]
    return _recase(out, name)


def _recase(text: str, like: str) -> str:
    """`text` in the case style of `like` (upper, lower, or capitalised words)."""
    if like.isupper():
        return text.upper()
    if like.islower():
        return text
    return "-".join(part[:1].upper() + part[1:] for part in text.split("-"))


def postal_typo(code: str, rng: random.Random) -> str:
    """A postal code as typed wrongly: a digit changed, two swapped, one dropped, a lost leading zero, ZIP+4."""
    digits = [i for i, ch in enumerate(code) if ch.isdigit()]
    if not digits:
        return code
    if code.startswith("0") and code.isdigit() and rng.random() < 0.5:
        return code.lstrip("0") or code  # a spreadsheet read the ZIP as a number
    roll = rng.random()
    if roll < 0.35:
        i = rng.choice(digits)
        return code[:i] + rng.choice([d for d in "0123456789" if d != code[i]]) + code[i + 1 :]
    if roll < 0.6 and len(digits) >= 2:
        j = rng.randrange(len(digits) - 1)
        a, b = digits[j], digits[j + 1]
        if code[a] != code[b]:
            return code[:a] + code[b] + code[a + 1 : b] + code[a] + code[b + 1 :]
    if roll < 0.8:
        i = rng.choice(digits)
        return code[:i] + code[i + 1 :]
    if code.isdigit() and len(code) == 5:
        return f"{code}-{rng.randrange(0, 10000):04d}"  # ZIP+4: right, but not equal
    i = rng.choice(digits)
    return code[:i] + code[i + 1 :]


def household_local(first_a: str, first_b: str, last: str, rng: random.Random) -> str:
    """The local part of a family mailbox (`garcias`, `thegarcias`, `josemaria`, `garciafamily`)."""
    a, b, name = ascii_lower(first_a), ascii_lower(first_b), ascii_lower(last).replace("-", "")
    return rng.choice((f"{name}s", f"the{name}s", f"{name}family", f"{a}and{b}", f"{a}{b}{name}", f"{name}house"))
