"""A synthetic WhatConverts account and Salesforce org, messy the way real ones are, with ground truth.

`generate_world(persons, seed)` returns a `World`: the `Snapshot` both systems would give and
the truth behind it (which records are the same person, which opportunity belongs to whom).
The same seed always gives the same world. `mess="outside"` adds the kinds of mess found in
accounts outside the project (`outside.py`) on a random stream of their own, so the default
`"classic"` world of a seed is unchanged by them.

A person's true phone is always a number libphonenumber calls valid (`_allocated`): the generator
once drew Leeds 0113 6/7/9xx numbers that cannot exist, which a real account never holds, while
the evaluator counted them as keys. Typed and rep-written variants of it keep their mess.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from unidecode import unidecode

from ..config import DEFAULT_WC_ID_FIELD
from ..tables.coerce import coerce_table
from ..tables.schema import TABLES
from ..tables.snapshot import Snapshot
from .messy import cnam, email_for, messy_email, rep_phone, typed_name
from .outside import Mess, OutsideMess, resolve_mess
from .vocab import (
    CA_PLACES,
    CHANNELS,
    COMPANY_KINDS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    COUNTRY_SPELLINGS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    GB_PLACES,
    KEYWORDS,
    LAST_NAMES,
    NICKNAMES,
    OPEN_STAGES,
    SPAM_NAMES,
    US_PLACES,
)

PROFILE_ID = 51497
ACCOUNT_ID = 27313
WORLD_START = datetime(2024, 10, 1, tzinfo=UTC)
WORLD_DAYS = 700
FIRST_LEAD_ID = 178_800_000
WORLD_END = WORLD_START + timedelta(days=WORLD_DAYS)


@dataclass
class Person:
    pid: int
    first: str
    last: str
    country: str
    city: str
    state: str
    zip: str
    phone: str
    email: str
    visitor: str
    company: str | None
    household: int | None = None  # pid of the landline owner
    switchboard: str | None = None  # shared company number
    lead_keys: list[int] = field(default_factory=list)


@dataclass
class World:
    """A snapshot of both systems plus the truth tables that say what is really what."""

    snapshot: Snapshot
    raw: Snapshot  # the same tables as text, exactly as files would carry them (`178849242.0` ids)
    persons: pd.DataFrame  # person_id, names, true phone/email, role, sf_mode
    wc_truth: pd.DataFrame  # lead_id -> person_id (null for spam)
    sf_truth: pd.DataFrame  # sf_object, Id -> person_id
    opp_truth: pd.DataFrame  # opportunity Id -> person_id
    mess_log: pd.DataFrame = field(  # kind, system (wc/sf/person), record_id: where the outside mess went
        default_factory=lambda: pd.DataFrame(columns=["kind", "system", "record_id"])
    )


class _Ids:
    """Salesforce-looking 18-character ids per object prefix."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}5g{n:010d}AAA"


def _nanp_number(areas: tuple[str, ...], rng: random.Random) -> str:
    while True:
        exchange = rng.randrange(200, 1000)
        if exchange % 100 != 11 and exchange != 555:
            number = f"+1{rng.choice(areas)}{exchange}{rng.randrange(0, 10000):04d}"
            if _allocated(number):
                return number


def _gb_number(area: str, rng: random.Random) -> str:
    while True:
        if area == "20":
            number = f"+4420{rng.choice('378')}{rng.randrange(0, 10**7):07d}"
        else:
            number = f"+44{area}{rng.randrange(2, 10)}{rng.randrange(0, 10**6):06d}"
        if _allocated(number):
            return number


def _allocated(e164: str) -> bool:
    """A real person's number is one libphonenumber calls valid (Leeds 0113 6/7/9xx are unallocated).

    NANP validity is decided by area code and exchange, so it is looked up once per such prefix;
    other numbers (a few percent of people) are checked whole.
    """
    if e164.startswith("+1"):
        return _nanp_prefix_allocated(e164[:8])
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(e164)))


@lru_cache(maxsize=4096)
def _nanp_prefix_allocated(prefix: str) -> bool:
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(prefix + "0100")))


class _Generator:
    def __init__(self, n_persons: int, seed: int, mess: Mess | None = None) -> None:
        self.n = n_persons
        self.rng = random.Random(seed)
        self.outside = OutsideMess(mess or Mess(), seed)
        self.ids = _Ids()
        self.persons: list[Person] = []
        self.leads: list[dict] = []
        self.sf: dict[str, list[dict]] = {k: [] for k in ("Lead", "Contact", "Account", "Opportunity", "OCR")}
        self.sf_truth: list[tuple[str, str, int]] = []
        self.opp_truth: list[tuple[str, int, str]] = []
        self.person_rows: list[dict] = []
        self.companies: list[str] = []
        self.emails: set[str] = set()
        self.switchboard_accounts: dict[tuple[str | None, str | None], str] = {}

    def _email(self, first: str, last: str, domain: str) -> str:
        """A personal address nobody else in the world has (two people never share a mailbox)."""
        email = email_for(first, last, domain, self.rng)
        while email in self.emails:
            local, _, dom = email.partition("@")
            email = f"{local}{self.rng.randrange(1, 1000)}@{dom}"
        self.emails.add(email)
        return email

    # ---- people -------------------------------------------------------------------------
    def _company(self) -> str:
        r = self.rng
        return " ".join(w for w in (r.choice(COMPANY_WORDS), r.choice(COMPANY_KINDS), r.choice(COMPANY_SUFFIXES)) if w)

    def _place(self) -> tuple[str, tuple]:
        r = self.rng.random()
        if r < 0.94:
            return "US", self.rng.choice(US_PLACES)
        if r < 0.98:
            return "CA", self.rng.choice(CA_PLACES)
        return "GB", self.rng.choice(GB_PLACES)

    def make_persons(self) -> None:
        r = self.rng
        i = 0
        while i < self.n:
            country, (city, state, zip_prefix, areas) = self._place()
            phone = _gb_number(areas[0], r) if country == "GB" else _nanp_number(areas, r)
            first, last = r.choice(FIRST_NAMES), r.choice(LAST_NAMES)
            if self.persons and r.random() < 0.02:  # a same-name stranger
                twin = r.choice(self.persons)
                first, last = twin.first, twin.last
            zip_code = zip_prefix + (f"{r.randrange(0, 100):02d}" if country == "US" else " 1AB")
            company = self._company() if r.random() < 0.35 else None
            p = Person(
                i,
                first,
                last,
                country,
                city,
                state,
                zip_code,
                phone,
                self._email(first, last, r.choice(EMAIL_DOMAINS)),
                f"{PROFILE_ID}-{r.getrandbits(128):032x}",
                company,
            )
            self.persons.append(p)
            i += 1
            if i < self.n and r.random() < 0.03:  # household: a second person on the same landline
                other = first
                while other[0] == first[0] or other in NICKNAMES.get(first, ()):
                    other = r.choice(FIRST_NAMES)
                self.persons.append(
                    Person(
                        i,
                        other,
                        last,
                        country,
                        city,
                        state,
                        zip_code,
                        phone,
                        self._email(other, last, r.choice(EMAIL_DOMAINS)),
                        f"{PROFILE_ID}-{r.getrandbits(128):032x}",
                        None,
                        household=p.pid,
                    )
                )
                i += 1
            elif i < self.n and r.random() < 0.006:  # company with a switchboard and several staff
                company = self._company()
                switchboard = phone
                p.company, p.switchboard = company, switchboard
                for _ in range(r.randrange(2, 5)):
                    if i >= self.n:
                        break
                    f2, l2 = r.choice(FIRST_NAMES), r.choice(LAST_NAMES)
                    self.persons.append(
                        Person(
                            i,
                            f2,
                            l2,
                            country,
                            city,
                            state,
                            zip_code,
                            _nanp_number(areas, r) if country != "GB" else _gb_number(areas[0], r),
                            self._email(f2, l2, ascii_domain(company)),
                            f"{PROFILE_ID}-{r.getrandbits(128):032x}",
                            company,
                            switchboard=switchboard,
                        )
                    )
                    i += 1

    # ---- WhatConverts -------------------------------------------------------------------
    def _attribution(self) -> dict:
        r = self.rng
        weights = [c[3] for c in CHANNELS]
        source, medium, campaigns, _ = r.choices(CHANNELS, weights)[0]
        campaign = r.choice(campaigns)
        paid = medium in ("cpc", "paid_social")
        gclid = f"Cj0KCQjw{r.getrandbits(40):010x}" if source == "google" and paid else None
        landing = "https://www.example-plumbing.com/" + r.choice(("", "water-heaters/", "drains/", "contact/"))
        return {
            "lead_source": source,
            "lead_medium": medium,
            "lead_campaign": campaign,
            "lead_keyword": r.choice(KEYWORDS) if medium == "cpc" else None,
            "landing_url": landing + (f"?gclid={gclid}" if gclid else ""),
            "lead_url": landing,
            "gclid": gclid,
        }

    def _lead(self, p: Person | None, when: datetime, lead_type: str, status: str) -> dict:
        r = self.rng
        lead = {
            "_key": len(self.leads),
            "_pid": p.pid if p else None,
            "account_id": ACCOUNT_ID,
            "account": "Example Plumbing",
            "profile_id": PROFILE_ID,
            "profile": "example-plumbing.com",
            "lead_type": lead_type,
            "lead_status": status,
            "date_created": when,
            "last_updated": when + timedelta(seconds=r.randrange(5, 600)),
            "quotable": "Not Set",
            "quote_value": None,
            "sales_value": None,
            "spam": False,
            "duplicate": False,
            **self._attribution(),
        }
        if p is None:
            return lead
        lead["country"] = p.country
        lead["city"], lead["state"], lead["zip"] = p.city, p.state, p.zip
        owner = p
        if lead_type == "Phone Call":
            line = p.switchboard if (p.switchboard and r.random() < 0.7) else p.phone
            owner = self.persons[p.household] if (p.household is not None and r.random() < 0.7) else p
            if p.switchboard and line == p.switchboard:
                caller = unidecode(p.company or "").upper()[:15]
            elif r.random() < 0.1:
                caller = "WIRELESS CALLER"
            elif r.random() < 0.05 and p.state:
                caller = f"{p.city.upper()} {p.state}"
            else:
                caller = cnam(owner.first, owner.last, r)
            lead.update(
                phone_number=line,
                caller_number=line,
                caller_name=caller,
                caller_country=p.country,
                call_duration_seconds=r.randrange(5, 900),
                contact_phone_number=line,
            )
            if r.random() < 0.5:
                lead["contact_name"] = caller
            if r.random() < 0.5:
                lead["user_id"] = p.visitor
        else:
            lead["contact_name"] = typed_name(p.first, p.last, r)
            if lead_type == "Text Message":  # an SMS always comes from a number
                lead.update(phone_number=p.phone, caller_number=p.phone)
            else:
                lead["email_address"] = messy_email(p.email, r)
            # service-business forms nearly always ask for a phone; chats and emails seldom do
            if (lead_type == "Web Form" and r.random() < 0.92) or (lead_type in ("Chat", "Email") and r.random() < 0.3):
                lead["phone_number"] = p.phone
            if r.random() < 0.75:
                lead["user_id"] = p.visitor
            if p.company and r.random() < 0.6:
                lead["contact_company_name"] = p.company
        self.outside.lead(lead, p, owner, messy_email)
        return lead

    def _spam_lead(self) -> dict:
        r = self.rng
        when = WORLD_START + timedelta(seconds=r.randrange(0, WORLD_DAYS * 86400))
        lead = self._lead(None, when, r.choice(("Web Form", "Chat", "Phone Call")), "Unique")
        lead.update(
            spam=True,
            contact_name=r.choice(SPAM_NAMES),
            email_address=f"offer{r.randrange(1000)}@spam-{r.randrange(50)}.biz",
            phone_number=_nanp_number(("800", "888", "213"), r),
        )
        return lead

    def make_leads(self, contacted: list[Person]) -> None:
        r = self.rng
        types = ("Phone Call", "Web Form", "Chat", "Text Message", "Email")
        for p in contacted:
            k = 1
            while k < 6 and r.random() < 0.45:
                k += 1
            when = WORLD_START + timedelta(seconds=r.randrange(0, (WORLD_DAYS - 60) * 86400))
            for j in range(k):
                if when > WORLD_END:  # no lead from the future
                    break
                lead = self._lead(p, when, r.choices(types, (55, 30, 10, 3, 2))[0], "Unique" if j == 0 else "Repeat")
                self.leads.append(lead)
                p.lead_keys.append(lead["_key"])
                if r.random() < 0.02:  # WhatConverts flags a quick second submission as duplicate
                    dup = dict(
                        lead,
                        _key=len(self.leads),
                        duplicate=True,
                        lead_status="Repeat",
                        date_created=when + timedelta(minutes=r.randrange(1, 30)),
                    )
                    self.leads.append(dup)
                when += timedelta(days=r.expovariate(1 / 25), seconds=r.randrange(60, 86400))
                when = when.replace(microsecond=0)  # the API reports whole seconds
        for _ in range(int(len(self.leads) * 0.03)):
            self.leads.append(self._spam_lead())

    # ---- Salesforce ---------------------------------------------------------------------
    def _sf_person_fields(self, p: Person, clean: bool, phone_known: bool = True) -> dict:
        """Name, email and phone as a record carries them; a rep types the number of someone who called."""
        r = self.rng
        first = p.first
        if not clean and first in NICKNAMES and r.random() < 0.15:
            first = r.choice(NICKNAMES[first])
        email = p.email if (clean or r.random() < 0.75) else None
        if email and not clean and r.random() < 0.2:
            email = email.capitalize()
        phone = p.switchboard or p.phone
        phone_text = (
            (phone if clean and r.random() < 0.6 else rep_phone(phone, p.country, r))
            if (clean or r.random() < (0.97 if phone_known else 0.8) or email is None)
            else None
        )
        return {"FirstName": first, "LastName": p.last, "Email": email, "Phone": phone_text}

    def _country_text(self, p: Person) -> str | None:
        text = self.rng.choice(COUNTRY_SPELLINGS[p.country])
        return text or None

    def _account(self, p: Person, created: datetime) -> str:
        acc_id = self.ids.new("001")
        self.sf["Account"].append(
            {"Id": acc_id, "Name": p.company or f"{p.last} Household", "Phone": p.switchboard, "CreatedDate": created}
        )
        return acc_id

    def _contact(self, p: Person, account: str, created: datetime, stored: int | None, clean: bool) -> str:
        cid = self.ids.new("003")
        row = {
            "Id": cid,
            "AccountId": account,
            "MailingCountry": self._country_text(p),
            "MailingCity": p.city,
            "MailingPostalCode": p.zip,
            "CreatedDate": created,
            "_stored": stored,
            **self._sf_person_fields(p, clean),
        }
        if p.country != "US" and not row["MailingCountry"]:
            row["MailingCountry"] = p.country
        if p.switchboard:
            row["MobilePhone"] = rep_phone(p.phone, p.country, self.rng) if self.rng.random() < 0.5 else None
        self.outside.sf_person(row, p, clean)
        self.outside.postal(row, "MailingPostalCode", clean)
        self.sf["Contact"].append(row)
        self.sf_truth.append(("Contact", cid, p.pid))
        return cid

    def _opportunity(
        self, p: Person, account: str, contact: str | None, created: datetime, stored: int | None, via: str
    ) -> str:
        r = self.rng
        oid = self.ids.new("006")
        stage_roll = r.random()
        if stage_roll < 0.4:
            stage, won, closed = "Closed Won", True, True
        elif stage_roll < 0.65:
            stage, won, closed = "Closed Lost", False, True
        else:
            stage, won, closed = r.choice(OPEN_STAGES), False, False
        amount = round(r.lognormvariate(8.0, 0.9), 2)
        close = created + timedelta(days=r.randrange(3, 90))
        self.sf["Opportunity"].append(
            {
                "Id": oid,
                "Name": f"{p.company or p.last} - {r.choice(KEYWORDS)}",
                "AccountId": account,
                "ContactId": contact if via == "ContactId" else None,
                "StageName": stage,
                "Amount": amount,
                "IsWon": won,
                "IsClosed": closed,
                "CloseDate": close.replace(hour=0, minute=0, second=0, microsecond=0),
                "CreatedDate": created,
                "LeadSource": "WhatConverts" if stored else None,
                "_stored": stored,
            }
        )
        if via == "OCR" and contact:
            self.sf["OCR"].append(
                {
                    "Id": self.ids.new("00K"),
                    "OpportunityId": oid,
                    "ContactId": contact,
                    "Role": "Decision Maker",
                    "IsPrimary": True,
                    "CreatedDate": created,
                }
            )
        self.opp_truth.append((oid, p.pid, via))
        return oid

    def _sf_lead(
        self,
        p: Person,
        created: datetime,
        stored: int | None,
        clean: bool,
        company: str | None,
        phone_known: bool = True,
    ) -> dict:
        lid = self.ids.new("00Q")
        row = {
            "Id": lid,
            "Company": company or p.company or "[not provided]",
            "Country": self._country_text(p),
            "City": p.city,
            "PostalCode": p.zip,
            "Status": "Open - Not Contacted",
            "IsConverted": False,
            "LeadSource": "WhatConverts" if stored else self.rng.choice(("Phone Inquiry", "Web", "Other")),
            "CreatedDate": created,
            "_stored": stored,
            **self._sf_person_fields(p, clean, phone_known),
        }
        if p.country != "US" and not row["Country"]:
            row["Country"] = p.country
        self.outside.sf_person(row, p, clean)
        self.outside.postal(row, "PostalCode", clean)
        self.sf["Lead"].append(row)
        self.sf_truth.append(("Lead", lid, p.pid))
        return row

    def _convert(self, p: Person, lead: dict, when: datetime, stored: int | None) -> None:
        r = self.rng
        account = self._account(p, when)
        contact = self._contact(p, account, when, stored if r.random() < 0.4 else None, clean=True)
        lead.update(
            IsConverted=True,
            ConvertedDate=when.replace(hour=0, minute=0, second=0, microsecond=0),
            ConvertedContactId=contact,
            ConvertedAccountId=account,
            Status="Closed - Converted",
        )
        if r.random() < 0.8:
            via = "ConvertedOpportunityId" if r.random() < 0.85 else r.choice(("OCR", "ContactId"))
            opp = self._opportunity(p, account, contact, when, stored if r.random() < 0.4 else None, via)
            if via == "ConvertedOpportunityId":
                lead["ConvertedOpportunityId"] = opp
                if r.random() < 0.8:  # conversion also creates a contact role
                    self.sf["OCR"].append(
                        {
                            "Id": self.ids.new("00K"),
                            "OpportunityId": opp,
                            "ContactId": contact,
                            "Role": None,
                            "IsPrimary": False,
                            "CreatedDate": when,
                        }
                    )
        if r.random() < 0.2:  # repeat business later
            later = when + timedelta(days=r.randrange(20, 200))
            self._opportunity(p, account, contact, later, None, r.choice(("OCR", "ContactId")))

    def make_salesforce(self, contacted: list[Person], sf_only: list[Person]) -> None:
        r = self.rng
        for p in contacted:
            first_lead = self.leads[p.lead_keys[0]]
            t0 = first_lead["date_created"]
            roll = r.random()
            mode = "none"
            if p.switchboard:
                mode = "staff"
                account = self._switchboard_account(p, t0 - timedelta(days=300))
                contact = self._contact(p, account, t0 - timedelta(days=200), None, clean=False)
                if r.random() < 0.5:
                    self._opportunity(p, account, contact, t0 + timedelta(days=r.randrange(1, 30)), None, "OCR")
            elif roll < 0.10:  # existing customer calls again
                mode = "customer"
                account = self._account(p, t0 - timedelta(days=400))
                contact = self._contact(p, account, t0 - timedelta(days=400), None, clean=False)
                if r.random() < 0.6:
                    self._opportunity(
                        p,
                        account,
                        contact,
                        t0 + timedelta(days=r.randrange(1, 30)),
                        None,
                        r.choice(("OCR", "ContactId")),
                    )
            elif roll < 0.72:
                integration = r.random() < 0.5
                mode = "integration" if integration else "manual"
                stored = first_lead["_key"] if integration else None
                created = t0 + (
                    timedelta(seconds=r.randrange(30, 600)) if integration else timedelta(hours=r.randrange(1, 72))
                )
                lead = self._sf_lead(
                    p,
                    created,
                    stored,
                    clean=integration,
                    company=first_lead.get("contact_company_name"),
                    phone_known=first_lead.get("phone_number") is not None,
                )
                if not integration:
                    self.outside.rep_copies_caller(lead, first_lead)
                if r.random() < 0.45:
                    self._convert(p, lead, created + timedelta(days=r.randrange(1, 40)), stored)
                if r.random() < 0.03:  # a rep typed the same person in again
                    self._sf_lead(p, created + timedelta(days=r.randrange(1, 60)), None, clean=False, company=None)
            self.person_rows.append(self._person_row(p, "contacted", mode))
        for p in sf_only:
            created = WORLD_START + timedelta(seconds=r.randrange(0, WORLD_DAYS * 86400))
            if r.random() < 0.3:
                self._sf_lead(p, created, None, clean=False, company=None)
                mode = "lead_only"
            else:
                account = self._account(p, created)
                contact = self._contact(p, account, created, None, clean=False)
                self._opportunity(
                    p,
                    account,
                    contact,
                    created + timedelta(days=r.randrange(1, 60)),
                    None,
                    r.choice(("OCR", "ContactId")),
                )
                mode = "customer"
            self.person_rows.append(self._person_row(p, "sf_only", mode))

    def _switchboard_account(self, p: Person, created: datetime) -> str:
        key = (p.company, p.switchboard)
        if key not in self.switchboard_accounts:
            self.switchboard_accounts[key] = self._account(p, created)
        return self.switchboard_accounts[key]

    def _person_row(self, p: Person, role: str, mode: str) -> dict:
        return {
            "person_id": p.pid,
            "first_name": p.first,
            "last_name": p.last,
            "email": self.outside.email(p),
            "phone": p.phone,
            "country": p.country,
            "company": p.company,
            "household_of": p.household,
            "switchboard": p.switchboard,
            "role": role,
            "sf_mode": mode,
            "n_leads": len(p.lead_keys),
        }

    # ---- assembly -----------------------------------------------------------------------
    def sync_previous_integration(self, lead_ids: dict[int, int]) -> None:
        """Where an old zap wrote values back, WhatConverts already holds them (sometimes stale)."""
        r = self.rng
        by_key = {lead["_key"]: lead for lead in self.leads}
        for opp in self.sf["Opportunity"]:
            key = opp["_stored"]
            if key is None or r.random() > 0.6:
                continue
            lead = by_key[key]
            lead["quotable"] = "Yes"
            lead["quote_value"] = (lead["quote_value"] or 0) + opp["Amount"]
            if opp["IsWon"]:
                lead["sales_value"] = (lead["sales_value"] or 0) + opp["Amount"]
            if r.random() < 0.2:  # a stale value from before the deal changed
                lead["quote_value"] = round(lead["quote_value"] * 0.8, 2)
        del lead_ids


def ascii_domain(company: str) -> str:
    """`Acme Plumbing LLC` -> `acmeplumbing.com`."""
    words = [w for w in unidecode(company).lower().replace(".", "").split() if w not in ("llc", "inc", "co", "group")]
    return "".join(words[:2]) + ".com"


def _frame(rows: list[dict], spec_name: str, wc_id_field: str, lead_ids: dict[int, int]) -> pd.DataFrame:
    spec = next(s for s in TABLES if s.name == spec_name)
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=list(spec.required))
    if "_stored" in frame.columns:
        stored = frame.pop("_stored").map(lambda k: None if pd.isna(k) else lead_ids[int(k)])
        frame[wc_id_field] = stored
    for col in spec.required:
        if col not in frame.columns:
            frame[col] = None
    return frame


def generate_world(
    persons: int, seed: int, wc_id_field: str = DEFAULT_WC_ID_FIELD, mess: str | Mess = "classic"
) -> World:
    """Build a world of `persons` people; the same (persons, seed, mess) always gives the same world.

    `mess` is a profile name (`classic`: the generator's own kinds only; `outside`: plus the kinds
    found in accounts outside the project) or a `Mess` with its own rates.
    """
    if persons < 1:
        raise ValueError(f"a world needs at least one person (got {persons})")
    rates = resolve_mess(mess)
    gen = _Generator(persons, seed, rates)
    gen.make_persons()
    gen.outside.people(gen.persons, gen.emails)
    r = gen.rng
    contacted: list[Person] = []
    sf_only: list[Person] = []
    for p in gen.persons:
        (sf_only if r.random() < 0.15 and not p.switchboard else contacted).append(p)
    gen.make_leads(contacted)
    order = sorted(range(len(gen.leads)), key=lambda k: (gen.leads[k]["date_created"], k))
    lead_ids = {k: FIRST_LEAD_ID + rank * 7 + (k % 5) for rank, k in enumerate(order)}
    gen.make_salesforce(contacted, sf_only)
    gen.sync_previous_integration(lead_ids)

    leads = pd.DataFrame.from_records(gen.leads)
    leads.insert(0, "lead_id", leads["_key"].map(lead_ids))
    wc_truth = pd.DataFrame(
        {
            "lead_id": leads["lead_id"].astype(str),
            "person_id": leads["_pid"].astype("Int64"),
            "spam": leads["spam"],
            "duplicate": leads["duplicate"],
        }
    )
    leads = leads.drop(columns=["_key", "_pid"]).sort_values("date_created", kind="stable").reset_index(drop=True)

    sf_rows = {
        "sf_leads": gen.sf["Lead"],
        "sf_contacts": gen.sf["Contact"],
        "sf_accounts": gen.sf["Account"],
        "sf_opportunities": gen.sf["Opportunity"],
        "sf_contact_roles": gen.sf["OCR"],
    }
    frames = {name: _frame(rows, name, wc_id_field, lead_ids) for name, rows in sf_rows.items()}
    _render_stored_ids(frames, wc_id_field, r)
    frames["wc_leads"] = leads
    raw = {spec.name: _as_text(frames[spec.name]) for spec in TABLES}
    typed = {
        spec.name: coerce_table(raw[spec.name], spec, f"<synthetic {spec.file_stem}>", wc_id_field) for spec in TABLES
    }
    manifest = {"source": "synthetic", "persons": persons, "seed": seed, "wc_id_field": wc_id_field}
    if not rates.off:
        manifest["mess"] = mess if isinstance(mess, str) else repr(rates)
    return World(
        snapshot=Snapshot(**typed, manifest=manifest),
        raw=Snapshot(**raw, manifest=dict(manifest)),
        persons=pd.DataFrame.from_records(gen.person_rows).sort_values("person_id").reset_index(drop=True),
        wc_truth=wc_truth,
        sf_truth=pd.DataFrame.from_records(gen.sf_truth, columns=["sf_object", "Id", "person_id"]),
        opp_truth=pd.DataFrame.from_records(gen.opp_truth, columns=["Id", "person_id", "linked_via"]),
        mess_log=_mess_log(gen.outside.applied, lead_ids),
    )


def _mess_log(applied: dict[str, list], lead_ids: dict[int, int]) -> pd.DataFrame:
    """Where each kind of outside mess went: WhatConverts lead ids, Salesforce Ids, person ids (as text)."""
    rows = [
        (kind, system, str(lead_ids[key]) if system == "wc" else str(key))
        for kind, entries in applied.items()
        for system, key in entries
    ]
    return pd.DataFrame(rows, columns=["kind", "system", "record_id"]).drop_duplicates(ignore_index=True)


def _render_stored_ids(frames: dict[str, pd.DataFrame], wc_id_field: str, rng: random.Random) -> None:
    """Number fields come back as `178849242.0`: render some stored ids that way."""
    for name in ("sf_leads", "sf_contacts", "sf_opportunities"):
        frame = frames[name]
        if wc_id_field not in frame.columns:
            frame[wc_id_field] = None
            continue
        vals = frame[wc_id_field]
        as_float = np.array([rng.random() < 0.3 for _ in range(len(vals))], dtype=bool)
        text = vals.map(lambda v: None if pd.isna(v) else str(int(v)))
        frame[wc_id_field] = text.where(~as_float | text.isna(), text + ".0")


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render values as the APIs would, so the world goes through the same typing as a file."""
    from ..tables.tableio import to_csv_text

    out = to_csv_text(frame)
    return out.astype("str").where(out.notna(), None)
