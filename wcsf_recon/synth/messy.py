"""How real people and sales reps write contact details: the noise the synthetic world adds."""

from __future__ import annotations

import random

from unidecode import unidecode

from .vocab import DOMAIN_TYPOS, NICKNAMES


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
