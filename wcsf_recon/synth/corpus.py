"""Mixed-format phone and email corpora for the normalizer's agreement test and benchmark."""

from __future__ import annotations

import random

import pandas as pd

from .messy import email_for, messy_email, rep_phone
from .vocab import CA_PLACES, EMAIL_DOMAINS, FIRST_NAMES, GB_PLACES, LAST_NAMES, US_PLACES
from .world import _gb_number, _nanp_number

_JUNK = (
    "555-0142",
    "TBD",
    "n/a",
    "000-000-0000",
    "1-800-FLOWERS",
    "12345",
    "+1 (800) 555-01",
    "call me",
    "+44",
    "704 555 01420 9",
    "(123) 456-7890",
    "+999 12345678",
)


def phone_corpus(n: int, seed: int) -> pd.DataFrame:
    """`n` phone strings as people and reps write them, with the region each record implies."""
    rng = random.Random(seed)
    texts, regions = [], []
    us_areas = tuple(a for place in US_PLACES for a in place[3])
    ca_areas = tuple(a for place in CA_PLACES for a in place[3])
    for _ in range(n):
        roll = rng.random()
        if roll < 0.55:
            region, e164 = "US", _nanp_number(us_areas, rng)
            text = rep_phone(e164, "US", rng)
        elif roll < 0.85:
            region, text = rng.choice(("US", "GB", "CA")), _nanp_number(us_areas, rng)
        elif roll < 0.93:
            region = "CA"
            text = rep_phone(_nanp_number(ca_areas, rng), "CA", rng)
        elif roll < 0.97:
            region = "GB"
            text = rep_phone(_gb_number(rng.choice(GB_PLACES)[3][0], rng), "GB", rng)
        elif roll < 0.99:
            region, text = "US", f"{rng.randrange(100, 999)} {rng.randrange(0, 10**7):07d}"
        else:
            region, text = rng.choice(("US", "GB")), rng.choice(_JUNK)
        texts.append(text)
        regions.append(region)
    return pd.DataFrame({"text": texts, "region": regions})


def email_corpus(n: int, seed: int) -> pd.Series:
    """`n` emails with mixed case, stray spaces, typos and the odd invalid one."""
    rng = random.Random(seed)
    return pd.Series(
        [
            messy_email(email_for(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(EMAIL_DOMAINS), rng), rng)
            for _ in range(n)
        ],
        dtype="str",
    )
