"""Kinds of mess found in accounts outside the project, each behind a rate, on a random stream of its own.

`generate_world(..., mess="outside")` turns them on; the default `"classic"` profile has every rate
at 0 and leaves a world exactly as the generator made it before these kinds existed (same seed,
same tables), so earlier measurements stay comparable. The mess draws from its own generator,
seeded from `(seed, "mess2")`, and only rewrites values the main stream has already drawn, so the
`"outside"` world of a seed is the `"classic"` world of that seed plus the mess (same people, same
leads, same ids): a difference in accuracy between the two is the mess's doing. `Mess.only(kind)`
turns one kind on alone, to see which kind causes which misses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from .messy import first_last_cnam, household_local, made_up_town, misspell, place_cnam, postal_typo
from .vocab import FIRST_NAMES, LAST_NAMES, NEIGHBOUR_TOWNS, NICKNAMES_OTHER_INITIAL

if TYPE_CHECKING:
    from .world import Person


@dataclass(frozen=True)
class Mess:
    """Rates (0-1) of each kind of outside mess; 0 turns a kind off."""

    shared_mailbox: float = 0.0  # households whose members all write from one family mailbox
    place_caller_id: float = 0.0  # calls whose caller ID is a rate-centre town + state/territory, cut at 15
    truncated_caller_id: float = 0.0  # calls whose caller ID is FIRST LAST or LAST,FIRST cut at 15
    rep_copied_caller_id: float = 0.0  # reps' Leads from a call whose caller ID is not a full name: copied as the name
    swapped_names: float = 0.0  # typed names and reps' records with first and last name swapped
    misspelt_names: float = 0.0  # typed names and reps' records with a dropped/inserted letter or a sound-alike
    other_initial_nickname: float = 0.0  # names with such a nickname (Bill, Peggy) typed with it
    postal_typo: float = 0.0  # typed postal codes (forms, reps) with a typo

    @classmethod
    def only(cls, kind: str) -> Mess:
        """The `outside` rate of one kind, every other kind off."""
        return replace(cls(), **{kind: getattr(MESS_PROFILES["outside"], kind)})

    @classmethod
    def kinds(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @property
    def off(self) -> bool:
        return not any(getattr(self, k) for k in self.kinds())


MESS_PROFILES = {
    "classic": Mess(),
    "outside": Mess(
        shared_mailbox=0.6,
        place_caller_id=0.06,
        truncated_caller_id=0.12,
        rep_copied_caller_id=0.5,
        swapped_names=0.04,
        misspelt_names=0.06,
        other_initial_nickname=0.35,
        postal_typo=0.05,
    ),
}


def resolve_mess(mess: str | Mess) -> Mess:
    """A profile name (`classic`, `outside`) or a `Mess` as it is."""
    if isinstance(mess, Mess):
        return mess
    if mess not in MESS_PROFILES:
        raise ValueError(f"unknown mess profile {mess!r}: choose one of {', '.join(MESS_PROFILES)}")
    return MESS_PROFILES[mess]


class OutsideMess:
    """Applies a `Mess` to people and records as the generator makes them; with all rates 0 it does nothing.

    What it did is kept in `applied` (kind -> (system, record key)): `("wc", lead key)`, `("sf", Id)`
    or `("person", person id)`, so tests and evaluations can find each kind.
    """

    def __init__(self, mess: Mess, seed: int) -> None:
        self.mess = mess
        self.rng = random.Random(f"{seed}:mess2")
        self.mailbox: dict[int, str] = {}  # person id -> family address
        self.applied: dict[str, list[Any]] = {k: [] for k in Mess.kinds()}
        self.copyable: set[int] = set()  # lead keys whose caller ID is no full name (a rep may copy it)
        self.truncated: set[int] = set()  # lead keys whose caller ID is a cut FIRST LAST / LAST,FIRST

    def _fires(self, kind: str) -> bool:
        rate = getattr(self.mess, kind)
        return bool(rate) and self.rng.random() < rate

    # ---- people ---------------------------------------------------------------------------
    def people(self, persons: list[Person], taken: set[str]) -> None:
        """Family mailboxes: the members of a household write from one address (each a different person)."""
        if not self.mess.shared_mailbox:
            return
        by_owner: dict[int, list[Person]] = {}
        for p in persons:
            if p.household is not None:
                by_owner.setdefault(p.household, [persons[p.household]]).append(p)
        for members in by_owner.values():
            if not self._fires("shared_mailbox"):
                continue
            owner = members[0]
            local = household_local(owner.first, members[1].first, owner.last, self.rng)
            address = f"{local}@{owner.email.partition('@')[2]}"
            while address in taken:
                address = f"{local}{self.rng.randrange(1, 100)}@{owner.email.partition('@')[2]}"
            taken.add(address)
            for p in members:
                self.mailbox[p.pid] = address
                self.applied["shared_mailbox"].append(("person", p.pid))

    def email(self, p: Person) -> str:
        """The address a person writes from (their family's, where they share one)."""
        return self.mailbox.get(p.pid, p.email)

    # ---- WhatConverts leads ---------------------------------------------------------------
    def lead(self, lead: dict, p: Person, owner: Person, messy_email: Any) -> None:
        """Rewrite one of `p`'s leads in place: caller ID (of the line's `owner`), typed name, email, postal code."""
        if self.mess.off:
            return
        if p.pid in self.mailbox and lead.get("email_address") is not None:
            lead["email_address"] = messy_email(self.mailbox[p.pid], self.rng)
        if lead["lead_type"] == "Phone Call":
            self._caller(lead, p, owner)
            return
        name = lead.get("contact_name")
        if name:
            lead["contact_name"] = self.typed_name(name, p, ("wc", lead["_key"]))
        if lead.get("zip") and self._fires("postal_typo"):
            lead["zip"] = postal_typo(lead["zip"], self.rng)
            self.applied["postal_typo"].append(("wc", lead["_key"]))

    def _caller(self, lead: dict, p: Person, owner: Person) -> None:
        old, key = lead["caller_name"], lead["_key"]
        if p.switchboard and lead["phone_number"] == p.switchboard:
            return  # a company line shows the company
        placeholder = old in ("WIRELESS CALLER", f"{p.city.upper()} {p.state}")
        new = old
        if self._fires("place_caller_id"):
            towns = NEIGHBOUR_TOWNS.get(p.city, ())
            if towns and self.rng.random() < 0.5:
                town = self.rng.choice(towns)
            else:
                stem = self.rng.choice(FIRST_NAMES + LAST_NAMES)
                while stem in (p.last, owner.last):  # a town named after the caller would be a name clue
                    stem = self.rng.choice(FIRST_NAMES + LAST_NAMES)
                town = made_up_town(stem, self.rng)
            new = place_cnam(town, p.state, self.rng)
            self.applied["place_caller_id"].append(("wc", key))
            placeholder = True
        elif self._fires("truncated_caller_id") and old != "WIRELESS CALLER":
            new = first_last_cnam(owner.first, owner.last, self.rng)
            self.applied["truncated_caller_id"].append(("wc", key))
            self.truncated.add(key)
            placeholder = len(owner.first) + len(owner.last) + 1 > 15  # the surname is cut short
        if placeholder:
            self.copyable.add(key)
        if new != old:
            lead["caller_name"] = new
            if lead.get("contact_name") == old:
                lead["contact_name"] = new

    def typed_name(self, text: str, p: Person, key: Any) -> str:
        """A typed name with a nickname of another initial, a misspelling and/or first and last swapped."""
        words = text.split()
        if not words:
            return text
        first, last = words[0], " ".join(words[1:])
        changed = False
        nicks = NICKNAMES_OTHER_INITIAL.get(p.first)
        if nicks and self._fires("other_initial_nickname"):
            nick = _like(self.rng.choice(nicks), first)
            if nick != first:
                first, changed = nick, True
                self.applied["other_initial_nickname"].append(key)
        if last and self._fires("misspelt_names"):
            last = misspell(last, self.rng)
            changed = True
            self.applied["misspelt_names"].append(key)
        if last and self._fires("swapped_names"):
            first, last = last, first
            changed = True
            self.applied["swapped_names"].append(key)
        if not changed:
            return text
        lead_space, trail_space = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        return f"{lead_space}{first} {last}".rstrip() + trail_space if last else f"{lead_space}{first}{trail_space}"

    # ---- Salesforce records -----------------------------------------------------------------
    def sf_person(self, fields_: dict, p: Person, clean: bool) -> None:
        """A rep's record of `p` (not the integration's): family address, names as the rep wrote them."""
        if self.mess.off:
            return
        if p.pid in self.mailbox and fields_["Email"] is not None:
            capital = fields_["Email"] != p.email
            fields_["Email"] = self.mailbox[p.pid].capitalize() if capital else self.mailbox[p.pid]
        if clean:
            return
        first, last = fields_["FirstName"], fields_["LastName"]
        key = ("sf", fields_["Id"])
        nicks = NICKNAMES_OTHER_INITIAL.get(p.first)
        if nicks and self._fires("other_initial_nickname"):
            nick = self.rng.choice(nicks)
            if nick != first:
                first = nick
                self.applied["other_initial_nickname"].append(key)
        if self._fires("misspelt_names"):
            last = misspell(last, self.rng)
            self.applied["misspelt_names"].append(key)
        if self._fires("swapped_names"):
            first, last = last, first
            self.applied["swapped_names"].append(key)
        fields_["FirstName"], fields_["LastName"] = first, last

    def postal(self, row: dict, column: str, clean: bool) -> None:
        """A rep's typo in a Salesforce postal code."""
        if not clean and row.get(column) and self._fires("postal_typo"):
            row[column] = postal_typo(row[column], self.rng)
            self.applied["postal_typo"].append(("sf", row["Id"]))

    def rep_copies_caller(self, row: dict, first_lead: dict) -> None:
        """A rep names a Lead made from a call after its caller ID (`Margaretville N`, `Wireless Caller`)."""
        if first_lead["_key"] not in self.copyable or not self._fires("rep_copied_caller_id"):
            return
        caller = first_lead["caller_name"].title()
        if first_lead["_key"] in self.truncated and "," in caller:
            last, _, first = caller.partition(",")
            row["FirstName"], row["LastName"] = first.strip() or None, last.strip()
        elif first_lead["_key"] in self.truncated and " " in caller:
            first, _, last = caller.partition(" ")
            row["FirstName"], row["LastName"] = first, last.strip()
        else:
            row["FirstName"], row["LastName"] = None, caller
        self.applied["rep_copied_caller_id"].append(("sf", row["Id"]))


def _like(name: str, typed: str) -> str:
    """`name` in the case the person typed their own name in."""
    if typed.isupper():
        return name.upper()
    if typed.islower():
        return name.lower()
    return name
