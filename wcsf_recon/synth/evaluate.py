"""Measure a reconciliation against a synthetic world's ground truth (precision, recall, creates, values).

Denominators (reachable leads, people who need a create) come from the truth and the raw tables
with the evaluator's own simple normalization, not from the matcher's normalized columns, so a
change to the normalizer cannot change what its recall is measured against. Opportunity figures
count the opportunities the configured `opportunity_filter` keeps (a user's rule, not a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from unidecode import unidecode

from ..reconcile import Reconciliation
from ..simulate import apply_plan
from .world import World

# Keys the evaluator reads from the raw tables itself, so that the matcher's normalizer cannot move the
# denominator of its own recall: an email lowercased and stripped (and shaped like an address), a phone
# as the last 10 of its digits once an extension is cut off, a stored id without a trailing `.0`.
_EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
_EXTENSION = r"(?i)\s*(?:x|ext\.?)\s*\d+\s*$"


def simple_email(values: pd.Series) -> pd.Series:
    """`  Jo.Smith@Gmail.com ` -> `jo.smith@gmail.com`; anything not shaped like an address -> missing."""
    text = values.astype("str").str.strip().str.lower()
    return text.where(text.str.match(_EMAIL_SHAPE, na=False))


def simple_phone(values: pd.Series) -> pd.Series:
    """`(704) 555-0142 x12` -> `7045550142`: the last 10 digits; fewer than 10, or one repeated digit -> missing."""
    digits = values.astype("str").str.replace(_EXTENSION, "", regex=True).str.replace(r"\D", "", regex=True)
    last10 = digits.str[-10:]
    return last10.where(digits.str.len().ge(10) & ~last10.str.fullmatch(r"(\d)\1{9}", na=True))


def _simple_id(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip().str.replace(r"\.0$", "", regex=True).where(values.notna())


def _long(frame: pd.DataFrame, person: pd.Series, keys: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """One row per (record, kind, key) for the columns of each kind the frame has."""
    parts = []
    for kind, columns in keys.items():
        simple = {"email": simple_email, "phone": simple_phone}.get(kind, _simple_id)
        for col in columns:
            if col in frame.columns:
                parts.append(
                    pd.DataFrame({"row": frame.index, "kind": kind, "key": simple(frame[col]), "person": person})
                )
    out = pd.concat(parts, ignore_index=True).dropna(subset=["key", "person"])
    return out.drop_duplicates(ignore_index=True)


def _truth_keys(world: World) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """Keys of real (non-spam) WhatConverts leads and of Salesforce Leads/Contacts, each with its true person,
    and the (kind, key) pairs that more than one person uses (family mailboxes, shared lines, switchboards).
    """
    raw = world.raw
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    leads = raw.wc_leads.reset_index(drop=True)
    wc = _long(
        leads,
        leads["lead_id"].map(lead_person),
        {
            "email": ("email_address",),
            "phone": ("phone_number", "caller_number", "contact_phone_number"),
            "visitor": ("user_id",),
            "id": ("lead_id",),
        },
    )
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    id_field = raw.manifest.get("wc_id_field", "")
    records = pd.concat([raw.sf_leads, raw.sf_contacts], ignore_index=True)
    sf = _long(
        records,
        records["Id"].map(sf_person),
        {"email": ("Email",), "phone": ("Phone", "MobilePhone"), "id": (id_field,)},
    )
    both = pd.concat([wc[["kind", "key", "person"]], sf[["kind", "key", "person"]]]).drop_duplicates()
    owners = both.groupby(["kind", "key"])["person"].nunique()
    shared = set(owners[owners > 1].index)
    return wc.assign(lead_id=leads["lead_id"].to_numpy()[wc["row"].to_numpy()]), sf, shared


def _components(n_nodes: int, node: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Smallest node index reachable through shared keys (min-label propagation; components are small)."""
    labels = np.arange(n_nodes, dtype=np.int64)
    codes = pd.factorize(pd.Series(key))[0]
    while len(node):
        key_min = pd.Series(labels[node]).groupby(codes).transform("min").to_numpy()
        new = labels.copy()
        np.minimum.at(new, node, key_min)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _reachable_leads(world: World) -> set[str]:
    """Non-spam leads whose own person's Salesforce record shares an exact key with the person's leads,
    directly or through the person's other leads (shared email, phone or visitor id).

    Computed from the truth and the raw values alone (`simple_email`, `simple_phone`, ids without
    `.0`), never from the matcher's normalized columns. A key counts only if one person uses it: a
    landline shared by a household, a switchboard or a family mailbox does not say who wrote or called.
    """
    wc, sf, shared = _truth_keys(world)
    private = ~pd.Series(list(zip(wc["kind"], wc["key"], strict=True)), dtype="object").isin(shared).to_numpy()
    wc = wc[private].reset_index(drop=True)
    leads = wc[["lead_id", "person"]].drop_duplicates("lead_id").reset_index(drop=True)
    node = wc["lead_id"].map(pd.Series(leads.index, index=leads["lead_id"])).to_numpy()
    linking = wc["kind"].ne("id").to_numpy()
    keys = (wc["kind"] + ":" + wc["key"] + "|" + wc["person"].astype(str)).to_numpy()
    comp = _components(len(leads), node[linking], keys[linking])
    sf = sf.drop(columns="row")
    hits = wc.merge(sf, on=["kind", "key", "person"])["lead_id"]
    hit_nodes = leads.index[leads["lead_id"].isin(hits)].to_numpy()
    return set(leads.loc[np.isin(comp, comp[hit_nodes]), "lead_id"])


@dataclass
class _PersonOutcome:
    """Which leads and people the matcher got wrong, before they are counted."""

    correct: np.ndarray  # per person link: the linked record is the lead's own person
    correct_ids: set[str]
    reachable: set[str]
    in_sf: set[int]
    in_sf_leads: set[str]
    wrong_links: pd.DataFrame  # wc_lead_id, sf_id of links to another person
    creates: pd.DataFrame
    created_for: pd.Series  # the person each create stands for
    needing: set[int]
    needing_all: set[int]


def _person_outcome(world: World, recon: Reconciliation) -> _PersonOutcome:
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    links = recon.match.person_links
    correct = links["wc_lead_id"].map(lead_person).to_numpy() == links["sf_id"].map(sf_person).to_numpy()
    in_sf = set(sf_person.dropna().astype(int))
    real = world.wc_truth[world.wc_truth["person_id"].notna()]
    creates = recon.plan.salesforce_lead_creates
    return _PersonOutcome(
        correct=correct,
        correct_ids=set(links.loc[correct, "wc_lead_id"]),
        reachable=_reachable_leads(world),
        in_sf=in_sf,
        in_sf_leads=set(real.loc[real["person_id"].astype(int).isin(in_sf), "lead_id"]),
        wrong_links=links.loc[~correct, ["wc_lead_id", "sf_id"]],
        creates=creates,
        created_for=_create_persons(creates, lead_person).dropna().astype(int),
        needing=_identifiable_people(world) - in_sf,
        needing_all=set(world.wc_truth.loc[~world.wc_truth["spam"], "person_id"].dropna().astype(int)) - in_sf,
    )


def misses(world: World, recon: Reconciliation) -> pd.DataFrame:
    """Every error behind the person figures, one row each: `kind` (wrong_link, missed_link,
    create_duplicating_sf, create_repeated, missed_create), `record` (lead id or person) and the
    true `persons` involved, so each can be traced to the mess that caused it (`World.mess_log`).
    For a create error, `evidence` says whether the created lead shared any evidence with the
    person's existing records (`_create_error_evidence`); None on the other kinds."""
    out = _person_outcome(world, recon)
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    sf_person = world.sf_truth.set_index("Id")["person_id"]
    rows: list[tuple[str, str, tuple[int, ...]]] = []
    for lead, sf_id in out.wrong_links.itertuples(index=False):
        pair = (lead_person.get(lead), sf_person.get(sf_id))
        rows.append(("wrong_link", lead, tuple(int(p) for p in pair if pd.notna(p))))
    for lead in sorted(out.reachable - out.correct_ids):
        rows.append(("missed_link", lead, (int(lead_person[lead]),)))
    created = out.created_for
    evidence = _create_error_evidence(world, out).to_dict()
    flags: list[bool | None] = [None] * len(rows)
    for index, p in created[created.isin(out.in_sf)].items():
        rows.append(("create_duplicating_sf", str(p), (int(p),)))
        flags.append(bool(evidence[index]))
    for index, p in created[~created.isin(out.in_sf)].loc[lambda s: s.duplicated()].items():
        rows.append(("create_repeated", str(p), (int(p),)))
        flags.append(bool(evidence[index]))
    for p in sorted(out.needing - set(created)):
        rows.append(("missed_create", str(p), (p,)))
        flags.append(None)
    return pd.DataFrame(rows, columns=["kind", "record", "persons"]).assign(evidence=pd.Series(flags, dtype=object))


def evaluate(world: World, recon: Reconciliation) -> dict[str, float]:
    """Accuracy figures of `recon` (made from `world.snapshot`) against the world's truth."""
    lead_person = world.wc_truth.set_index("lead_id")["person_id"]
    out = _person_outcome(world, recon)
    correct, correct_ids, reachable = out.correct, out.correct_ids, out.reachable
    in_sf, in_sf_leads = out.in_sf, out.in_sf_leads

    opp_person = world.opp_truth.set_index("Id")["person_id"]
    opp_links = recon.match.opp_links
    opp_ok = opp_links["lead_id"].map(lead_person).to_numpy() == opp_links["Id"].map(opp_person).to_numpy()
    contacted = set(world.persons.loc[world.persons["n_leads"] > 0, "person_id"])
    reachable_people = set(lead_person.reindex(list(reachable)).dropna().astype(int))
    kept = recon.match.opps_kept["Id"]
    attributable = kept[kept.map(opp_person).isin(reachable_people)]
    attributable_all = kept[kept.map(opp_person).isin(contacted)]
    opp_right = set(opp_links.loc[opp_ok, "Id"])

    creates, created_for, needing, needing_all = out.creates, out.created_for, out.needing, out.needing_all
    dup_existing = int(created_for.isin(in_sf).sum())
    repeat = int(created_for[~created_for.isin(in_sf)].duplicated().sum())
    new_people = created_for[~created_for.isin(in_sf)]
    errors = created_for.index[created_for.isin(in_sf)].union(new_people.index[new_people.duplicated()])
    evidence = _create_error_evidence(world, out)[errors]
    missed = len(needing - set(created_for))
    missed_all = len(needing_all - set(created_for))
    spam_ids = set(world.wc_truth.loc[world.wc_truth["spam"], "lead_id"])

    return {
        "person_link_precision": float(correct.mean()) if len(correct) else 1.0,
        "person_link_recall_reachable": len(correct_ids & reachable) / max(len(reachable), 1),
        "person_link_recall_overall": len(correct_ids & in_sf_leads) / max(len(in_sf_leads), 1),
        "reachable_leads": len(reachable),
        "opp_precision": float(opp_ok.mean()) if len(opp_ok) else 1.0,
        "opp_recall": len(opp_right & set(attributable)) / max(len(attributable), 1),
        "opp_recall_overall": len(opp_right & set(attributable_all)) / max(len(attributable_all), 1),
        "opp_double_credited": int(opp_links["Id"].duplicated().sum()),
        "creates": len(creates),
        "creates_needed": len(needing),
        "create_error_rate": (dup_existing + repeat) / max(len(needing), 1),
        "create_errors_with_evidence": int(evidence.sum()),  # the create shares some evidence with the person's
        "create_errors_without_evidence": int((~evidence).sum()),  # records, or none (`_create_error_evidence`)
        "create_error_rate_with_evidence": int(evidence.sum()) / max(len(needing), 1),
        "create_error_rate_without_evidence": int((~evidence).sum()) / max(len(needing), 1),
        "creates_duplicating_sf": dup_existing,
        "creates_repeated": repeat,
        "missed_new_people_rate": missed / max(len(needing), 1),
        "missed_new_people_rate_overall": missed_all / max(len(needing_all), 1),
        "creates_from_spam": int(creates["wc_lead_id"].isin(spam_ids).sum()),
        "sales_value_person_agreement": _sales_agreement(world, recon, reachable_people),
        "sales_value_person_agreement_overall": _sales_agreement(world, recon, None),
        "review_clusters": int(recon.match.decisions.review["cluster"].nunique()),
    }


def _identifiable_people(world: World) -> set[int]:
    """People with a lead that says who they are: an email, a typed name, or a phone nobody else uses.

    From the raw values: a valid-looking email only this person uses, a name on a lead that is not
    a call (a call's name is the caller ID, which names the line's owner), or a private phone. A
    person known only through calls on a shared landline or switchboard cannot be told from the
    others on that line.
    """
    wc, _, shared = _truth_keys(world)
    private = ~pd.Series(list(zip(wc["kind"], wc["key"], strict=True)), dtype="object").isin(shared).to_numpy()
    known = set(wc.loc[private & wc["kind"].isin(["email", "phone"]).to_numpy(), "person"].astype(int))
    leads = world.raw.wc_leads
    person = leads["lead_id"].map(world.wc_truth.set_index("lead_id")["person_id"])
    typed = leads["lead_type"].ne("Phone Call") & leads["contact_name"].fillna("").str.strip().ne("")
    return known | set(person[typed & person.notna()].astype(int))


def _create_error_evidence(world: World, out: _PersonOutcome) -> pd.Series:
    """Per create (index of the plan's creates that stand for a person): does it share any evidence with
    the person's existing records, their Salesforce Leads/Contacts or their other creates?

    Evidence is what the evaluator reads itself from the raw tables: an exact email, phone or visitor
    id (`simple_email`, `simple_phone`, ids as text), the same mailbox written without its top-level
    domain or with a doubled `@` (`_mailboxes`: `nicole.crawford@icloud` is `nicole.crawford@icloud.com`),
    or a surname one slip apart (`_surname_variants`: Crawfod, Crawford) with the same first initial in the
    same city or postal code. A create error without any is one the data cannot tell apart (a nameless
    call, a first name alone beside a record sharing no key); one with some is avoidable.
    """
    created = out.created_for
    if created.empty:
        return pd.Series(dtype="bool")
    wc, sf, _ = _truth_keys(world)
    leads = world.raw.wc_leads.set_index("lead_id")
    sources = (
        out.creates.loc[created.index, ["source_lead_ids"]]
        .assign(lead=lambda f: f["source_lead_ids"].str.split(";"))
        .explode("lead")["lead"]
    )
    source_leads = leads.reindex(sources.to_numpy())
    names = []
    for column in ("contact_name", "caller_name"):
        words = source_leads[column].astype("str").where(source_leads[column].notna(), "").map(_name_words)
        for first_at, last_at in ((0, -1), (-1, 0)):
            names.append(
                _name_places(
                    sources.index,
                    words.map(lambda w, i=first_at: w[i] if len(w) > 1 else None),
                    words.map(lambda w, i=last_at: w[i] if len(w) > 1 else None),
                    source_leads["city"],
                    source_leads["zip"],
                )
            )
    planned = out.creates.loc[sources.index]  # the create's own names, in each of its leads' places
    names.append(
        _name_places(
            sources.index, planned["FirstName"], planned["LastName"], source_leads["city"], source_leads["zip"]
        )
    )
    key_rows = wc[wc["kind"].isin(["email", "phone", "visitor"])]
    lead_tokens = key_rows["kind"] + ":" + key_rows["key"]
    token_of_lead = pd.concat(
        [
            pd.DataFrame({"lead": key_rows["lead_id"].astype(str).to_numpy(), "token": lead_tokens.to_numpy()}),
            _mailboxes(world.raw.wc_leads["lead_id"].astype(str), world.raw.wc_leads.get("email_address")).rename(
                columns={"create": "lead"}
            ),
        ],
        ignore_index=True,
    )
    keyed = pd.DataFrame({"create": sources.index, "lead": sources.to_numpy()}).merge(token_of_lead, on="lead")
    create_tokens = pd.concat([keyed[["create", "token"]], *names], ignore_index=True).drop_duplicates()
    create_tokens["person"] = create_tokens["create"].map(created).to_numpy()

    records = pd.concat(
        [
            world.raw.sf_leads[["Id", "FirstName", "LastName", "City", "PostalCode"]],
            world.raw.sf_contacts[["Id", "FirstName", "LastName", "MailingCity", "MailingPostalCode"]].set_axis(
                ["Id", "FirstName", "LastName", "City", "PostalCode"], axis=1
            ),
        ],
        ignore_index=True,
    )
    sf_names = _name_places(
        records["Id"], records["FirstName"], records["LastName"], records["City"], records["PostalCode"]
    )
    sf_keys = sf[sf["kind"].isin(["email", "phone"])]
    sf_tokens = pd.concat(
        [
            pd.DataFrame(
                {
                    "create": records["Id"].to_numpy()[sf_keys["row"].to_numpy()],
                    "token": (sf_keys["kind"] + ":" + sf_keys["key"]).to_numpy(),
                }
            ),
            sf_names,
            _mailboxes(records["Id"], records.get("Email")),
        ],
        ignore_index=True,
    )
    sf_tokens["person"] = sf_tokens["create"].map(world.sf_truth.set_index("Id")["person_id"]).to_numpy()
    with_sf = create_tokens.merge(sf_tokens.dropna(subset=["person"]), on=["person", "token"])["create_x"]
    with_other = create_tokens.merge(create_tokens, on=["person", "token"]).loc[
        lambda f: f["create_x"] != f["create_y"], "create_x"
    ]
    hit = set(with_sf) | set(with_other)
    return pd.Series([i in hit for i in created.index], index=created.index, dtype="bool")


def _name_words(text: str) -> list[str]:
    """`  O'Brien, MARY-Jo ` -> `['obrien', 'mary', 'jo']`: lower-case ASCII letters, split at anything else."""
    return [w for w in re.split(r"[^a-z]+", unidecode(text).lower().replace("'", "")) if w]


def _name_places(
    owner: pd.Index | pd.Series, first: pd.Series, last: pd.Series, city: pd.Series, postal: pd.Series | None
) -> pd.DataFrame:
    """Tokens `name:<surname>|<first initial>|city:<city>` and `...|zip:<postal>` for each named row."""
    first_words = pd.Series(first.to_numpy(), dtype="object").fillna("").astype(str).map(_name_words)
    last_words = pd.Series(last.to_numpy(), dtype="object").fillna("").astype(str).map(_name_words)
    initial = first_words.map(lambda w: w[0][0] if w else "")
    surname = last_words.map(lambda w: "".join(w))
    named = (initial != "") & (surname != "")
    # one row per spelling a slip could have come from: the rows' positions repeat, one per variant
    variants = surname.map(_surname_variants).explode()
    at = variants.index.to_numpy()
    named, initial = named.to_numpy()[at], initial.to_numpy()[at]
    base = "name:" + variants.astype(str).to_numpy() + "|" + initial + "|"
    owners = np.asarray(owner)[at]
    parts = []
    places = {"city": city, "zip": postal}
    for kind, values in places.items():
        if values is None:
            continue
        text = pd.Series(values.to_numpy(), dtype="object").fillna("").astype(str).str.upper()
        text = text.str.replace(r"[^A-Z0-9]", "", regex=True)
        if kind == "zip":
            text = text.where(~text.str.match(r"^\d{5}"), text.str[:5])
        place = text.to_numpy(dtype=object)[at]
        ok = named & (place != "")
        parts.append(pd.DataFrame({"create": owners[ok], "token": (base + kind + ":" + place)[ok]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["create", "token"])


def _surname_variants(surname: str) -> list[str]:
    """`crawford` -> itself and each spelling with one letter dropped (`rawford`, ..., `crawfor`), for surnames of
    three letters or more: two spellings share one when a letter was changed, dropped, added or two neighbours
    swapped (`crawfod`, `crawford`; `le`, `lee`), the slips the generator's misspelt names make."""
    if len(surname) < 3:
        return [surname]
    return [surname, *dict.fromkeys(surname[:i] + surname[i + 1 :] for i in range(len(surname)))]


def _mailboxes(owner: pd.Series, emails: pd.Series | None) -> pd.DataFrame:
    """Tokens `mailbox:<local part>@<first label of the domain>` of every text with an `@`, shaped like an address
    or not: `nicole.crawford@icloud`, `ann@@gmail.com` and `Ann@Gmail.com ` are the mailboxes they were typed for."""
    if emails is None:
        return pd.DataFrame(columns=["create", "token"])
    text = emails.astype("str").where(emails.notna(), "").str.strip().str.lower()
    parts = text.str.extract(r"^([^@\s]+)@+([a-z0-9-]+)")
    ok = parts[0].notna().to_numpy()
    token = ("mailbox:" + parts[0] + "@" + parts[1]).to_numpy()
    return pd.DataFrame({"create": np.asarray(owner)[ok], "token": token[ok]})


def _create_persons(creates: pd.DataFrame, lead_person: pd.Series) -> pd.Series:
    """The person a create stands for: the truth person of most of the leads it was built from."""
    if creates.empty:
        return pd.Series(dtype="float")
    rows = creates[["source_lead_ids"]].assign(lead=creates["source_lead_ids"].str.split(";")).explode("lead")
    rows["person"] = rows["lead"].map(lead_person)
    mode = rows.dropna(subset=["person"]).groupby(level=0)["person"].agg(lambda s: s.value_counts().index[0])
    return mode.reindex(creates.index)


def _sales_agreement(world: World, recon: Reconciliation, among: set[int] | None) -> float:
    """Share of people with leads and opportunities whose summed sales_value, after the plan, equals their won amount.

    `among` restricts the people counted (to those reachable by an exact key); None counts all.
    """
    after = apply_plan(world.snapshot, recon.plan)
    leads = after.wc_leads.assign(person=lambda f: f["lead_id"].map(world.wc_truth.set_index("lead_id")["person_id"]))
    sales = leads.groupby("person")["sales_value"].sum(min_count=0)
    opps = recon.match.opps_kept.assign(person=lambda f: f["Id"].map(world.opp_truth.set_index("Id")["person_id"]))
    won_rows = opps.assign(won=np.where(opps["IsWon"].fillna(False).astype(bool), opps["Amount"].fillna(0), 0.0))
    won = won_rows.groupby("person")["won"].sum()
    people = won.index.intersection(sales.index)
    if among is not None:
        people = people[people.isin(list(among))]
    if not len(people):
        return 1.0
    return float((np.abs(sales.reindex(people).fillna(0) - won.reindex(people)) < 0.01).mean())
