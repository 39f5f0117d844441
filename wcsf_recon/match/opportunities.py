"""Attribute each Salesforce opportunity to exactly one WhatConverts lead (never two).

Evidence, strongest first:
1. the stored WhatConverts id on the opportunity;
2. the converted Lead whose `ConvertedOpportunityId` is the opportunity: its stored id;
3. that converted Lead's person (matched through the cluster);
4. the opportunity's `ContactId`;
5. its `OpportunityContactRole`s (the primary role first);
6. its account, when the account has a single contact.
For 3-6 the credit goes to one of the person's WhatConverts leads by policy: `first` touch is
the earliest lead created at or before the opportunity's `CreatedDate`, `last` touch the latest
such lead; with none before it, the earliest lead. Spam and WhatConverts-flagged duplicates
never receive credit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..config import Config
from ..tables.arrow_bytes import own_arrow
from ..tables.frames import arrow_positions, isin, positions
from .arrow_text import mapped_text, shown_text, templated, text_series
from .codes import left_join

RULE_RANK = {
    "opp_stored_id": 0,
    "converted_lead_stored_id": 1,
    "converted_lead": 2,
    "opportunity_contact": 3,
    "contact_role_primary": 4,
    "contact_role": 5,
    "account_single_contact": 6,
}
RULE_SCORE = {
    "opp_stored_id": 1.0,
    "converted_lead_stored_id": 1.0,
    "converted_lead": 0.97,
    "opportunity_contact": 0.95,
    "contact_role_primary": 0.95,
    "contact_role": 0.9,
    "account_single_contact": 0.85,
}


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def eligible_leads(leads: pd.DataFrame) -> pd.DataFrame:
    """Leads that may receive credit: not spam, not a WhatConverts duplicate."""
    spam = leads["spam"].fillna(False).astype(bool)
    dup = leads["duplicate"].fillna(False).astype(bool)
    return leads.loc[~spam & ~dup, ["lead_id", "date_created"]]


def _by_policy(
    cands: pd.DataFrame, person_leads: pd.DataFrame, policy: str, opp_at: np.ndarray | None = None
) -> pd.DataFrame:
    """cands(opp, person_id, rule, opp_created) -> one credited lead per candidate row.

    Of the rows of `cands.merge(person_leads, on="person_id")` (`_person_join`), the first of each (opportunity,
    rank) in policy order, by (opportunity in first-seen order, rank) (`_first_of_groups`); only the kept rows
    are gathered into a frame, no multi-column pandas sort of text. `opp_at`: each candidate's opportunity as
    a distinct integer (its position among them, `_with_created`), if known: its Id is then not hashed again."""
    left, right = _person_join(cands, person_leads)
    if not len(left):
        return cands.merge(person_leads, on="person_id").assign(lead_id=pd.Series(dtype="str"))
    created_at = person_leads["date_created"].take(right).reset_index(drop=True)
    before = created_at <= cands["opp_created"].take(left).reset_index(drop=True)
    created = created_at.astype("int64").to_numpy()
    late = np.iinfo(np.int64).max // 2 + created // 2
    # last touch: the latest lead before the opp; first touch: the earliest; none before: the earliest lead
    order = np.where(before, -created if policy == "last" else created // 2, late)
    missing = cands["Id"].isna().to_numpy()  # -1, as factorized
    codes = pd.factorize(cands["Id"])[0] if opp_at is None else np.where(missing, -1, opp_at)
    ids = codes[left]  # the merge's `pd.factorize(joined["Id"])`: renumbered as first seen in the joined rows
    present = ids >= 0  # (in left order), a missing Id still -1
    opp_code = np.full(len(ids), -1, dtype=np.int64)
    opp_code[present] = pd.factorize(ids[present])[0]
    keep = _first_of_groups(opp_code, cands["rank"].to_numpy(np.int64)[left], order)
    out = pd.concat(
        [
            cands.take(left[keep]).reset_index(drop=True),
            person_leads.drop(columns="person_id").take(right[keep]).reset_index(drop=True),
        ],
        axis=1,
    )
    out["before"], out["order"], out["_id"] = before.to_numpy()[keep], order[keep], opp_code[keep]
    out.index = pd.Index(keep)
    return out


def _first_of_groups(group: np.ndarray, rank: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions of `np.lexsort((order, rank, group))`'s first row of each (group, rank), in that sort's order: the
    row of least `order` (the first such where they tie) per (group, rank), by two grouped minima over one integer
    key (0.08 s for 1.3M rows where the three-key lexsort took 0.3 s)."""
    low, high = int(rank.min()), int(rank.max())
    key = (group - int(group.min())) * (high - low + 1) + (rank - low)  # (group, rank) as one integer, in their order
    size = int(key.max()) + 1
    least = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(least, key, order)
    ties = np.flatnonzero(order == least[key])  # the rows of their key's least order; the first of them wins
    first = np.full(size, len(order), dtype=np.int64)
    np.minimum.at(first, key[ties], ties)
    return first[first < len(order)]


def _person_join(cands: pd.DataFrame, person_leads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row in `cands`, row in `person_leads`) of `cands.merge(person_leads, on="person_id")`, in its order (each
    candidate in order, its person's leads in theirs): the ids coded by Arrow's dictionary (a missing id a value
    too, as the merge matches missing to missing), joined as integers; not pandas' factorizing of both sides
    of text (0.3 s at a million leads). Only for `str` ids and no other shared column; else the merge's own."""
    left_ids, right_ids = own_arrow(cands["person_id"]), own_arrow(person_leads["person_id"])
    shared = set(cands.columns) & set(person_leads.columns)
    if left_ids is None or right_ids is None or shared != {"person_id"}:
        joined = cands.assign(_left=np.arange(len(cands))).merge(
            person_leads.assign(_right=np.arange(len(person_leads))), on="person_id"
        )
        return joined["_left"].to_numpy(np.int64), joined["_right"].to_numpy(np.int64)
    encoded = pc.dictionary_encode(right_ids.combine_chunks(), null_encoding="encode")
    right = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    at, which = left_join(arrow_positions(left_ids, encoded.dictionary), right)
    found = which >= 0
    return at[found], which[found]


def _per_rule(rules: pd.Series, table: dict[str, int] | dict[str, float]) -> pd.Series:
    """`rules.map(table)` for a column of a few distinct rules each in `table`: looked up once per distinct rule."""
    codes, uniques = pd.factorize(rules)
    if not len(rules) or (codes < 0).any() or any(rule not in table for rule in uniques):
        return rules.map(table)  # a missing or unknown rule: pandas' own answer (NaN)
    return pd.Series(np.array([table[rule] for rule in uniques])[codes], index=rules.index)


def _with_created(cands: pd.DataFrame, opp: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None]:
    """`cands.merge(opp, on="Id")` (each candidate with its opportunity's `opp_created`, in the candidates'
    order): by Arrow position lookup when the opportunities' Ids are unique text, not pandas' factorizing
    of both sides (0.5 s at a million leads); with each row's opportunity's position in `opp` (None after a merge)."""
    ids = own_arrow(opp["Id"])
    if ids is None or own_arrow(cands["Id"]) is None or len(pc.unique(ids)) != len(ids):
        return cands.merge(opp, on="Id"), None
    at = positions(cands["Id"], opp["Id"])
    keep = np.flatnonzero(at >= 0)
    out = cands.take(keep).reset_index(drop=True)
    out["opp_created"] = opp["opp_created"].take(at[keep]).reset_index(drop=True)
    return out, at[keep]


def _eligible_ids(opp_stored: pd.Series, lead_stored: pd.Series, ok_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(`isin(opp_stored, ok_ids)`, `isin(lead_stored, ok_ids)`) with one hash set of the eligible ids, not two."""
    both = isin(pd.concat([opp_stored, lead_stored], ignore_index=True), ok_ids)
    return both[: len(opp_stored)], both[len(opp_stored) :]


def attribute(
    opps: pd.DataFrame,
    sf_leads: pd.DataFrame,
    contacts: pd.DataFrame,
    roles: pd.DataFrame,
    wc_leads: pd.DataFrame,
    person_links: pd.DataFrame,
    config: Config,
) -> pd.DataFrame:
    """One row per attributed opportunity: Id, lead_id, rule, score, person_id, explanation."""
    field = config.wc_id_field
    ok_leads = eligible_leads(wc_leads)
    ok_ids = ok_leads["lead_id"]
    opp = opps[["Id", "CreatedDate"]].rename(columns={"CreatedDate": "opp_created"})
    direct = []
    stored = _col(opps, field)
    lead_columns = [
        c
        for c in ("Id", "IsConverted", "IsDeleted", "ConvertedOpportunityId", "ConvertedContactId", field)
        if c in sf_leads.columns
    ]
    converted = sf_leads["IsConverted"].fillna(False).astype(bool) & _col(sf_leads, "ConvertedOpportunityId").notna()
    conv = sf_leads.loc[converted.to_numpy(), lead_columns]
    conv = conv[~_col(conv, "IsDeleted").astype("boolean").fillna(False).astype(bool)]
    conv_stored = _col(conv, field)
    opp_hit, conv_hit = _eligible_ids(stored, conv_stored, ok_ids)
    direct.append(pd.DataFrame({"Id": opps.loc[opp_hit, "Id"], "lead_id": stored[opp_hit], "rule": "opp_stored_id"}))
    hit = conv_hit & isin(conv["ConvertedOpportunityId"], opps["Id"])
    direct.append(
        pd.DataFrame(
            {
                "Id": conv.loc[hit, "ConvertedOpportunityId"],
                "lead_id": conv_stored[hit],
                "rule": "converted_lead_stored_id",
            }
        )
    )
    direct = pd.concat(direct, ignore_index=True).assign(rank=lambda f: _per_rule(f["rule"], RULE_RANK))

    # people behind each opportunity
    people = []
    conv_person = conv["ConvertedContactId"].fillna(conv["Id"]) if "ConvertedContactId" in conv.columns else conv["Id"]
    people.append(
        pd.DataFrame({"Id": conv["ConvertedOpportunityId"], "person_id": conv_person, "rule": "converted_lead"})
    )
    contact_id = _col(opps, "ContactId")
    people.append(pd.DataFrame({"Id": opps["Id"], "person_id": contact_id, "rule": "opportunity_contact"}).dropna())
    if len(roles):
        primary = _col(roles, "IsPrimary").astype("boolean").fillna(False).astype(bool)
        people.append(
            pd.DataFrame(
                {
                    "Id": roles["OpportunityId"],
                    "person_id": roles["ContactId"],
                    "rule": np.where(primary, "contact_role_primary", "contact_role"),
                }
            )
        )
    live_contacts = contacts[~_col(contacts, "IsDeleted").astype("boolean").fillna(False).astype(bool)]
    per_account = (
        live_contacts.groupby("AccountId", sort=False)["Id"].agg(["first", "size"]) if len(live_contacts) else None
    )
    if per_account is not None:
        single = per_account[per_account["size"] == 1]["first"]
        acc = _col(opps, "AccountId")
        people.append(
            pd.DataFrame(
                {"Id": opps["Id"], "person_id": mapped_text(acc, single), "rule": "account_single_contact"}
            ).dropna()
        )
    people, opp_at = _with_created(pd.concat(people, ignore_index=True), opp)
    people["rank"] = _per_rule(people["rule"], RULE_RANK)
    person_leads = person_links.loc[person_links["eligible"].to_numpy(), ["person_id", "wc_lead_id", "date_created"]]
    person_leads = person_leads.rename(columns={"wc_lead_id": "lead_id"})
    credited = _by_policy(people, person_leads, config.attribution, opp_at)

    all_cands = pd.concat(
        [direct[["Id", "lead_id", "rule", "rank"]], credited[["Id", "lead_id", "rule", "rank", "person_id"]]],
        ignore_index=True,
    )
    # every candidate's Id is an opportunity's already (read off `opps`, checked against it, or joined
    # to it): of the test whether it is one, only that a missing Id is none remains
    all_cands = all_cands[all_cands["Id"].notna().to_numpy()]
    all_cands = all_cands.assign(_id=pd.factorize(all_cands["Id"])[0])
    chosen = _strongest(all_cands)
    chosen["score"] = _per_rule(chosen["rule"], RULE_SCORE)
    lead_person = person_links.set_index("wc_lead_id")["person_id"]  # one person per lead
    chosen["person_id"] = mapped_text(chosen["lead_id"], lead_person).fillna(chosen["person_id"])
    chosen["explanation"] = _explain(chosen, opps, config.attribution)
    return chosen[["Id", "lead_id", "rule", "score", "person_id", "explanation"]]


def _strongest(cands: pd.DataFrame) -> pd.DataFrame:
    """`cands.sort_values(["_id", "rank"], kind="stable").drop_duplicates("Id").reset_index(drop=True)` for Ids
    coded by `_id` (none missing): one stable sort of one integer key and the first of each `_id`, no second
    hashing of the Ids' text; a rank that is not an integer (an unknown rule's NaN) takes pandas' own way."""
    rank = cands["rank"].to_numpy()
    if not len(cands) or rank.dtype.kind not in "iu":
        return cands.sort_values(["_id", "rank"], kind="stable").drop_duplicates("Id").reset_index(drop=True)
    code = cands["_id"].to_numpy(np.int64)
    low = int(rank.min())
    order = np.argsort(code * (int(rank.max()) - low + 1) + (rank - low), kind="stable")
    ordered = code[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    return cands.take(order[first]).reset_index(drop=True)


def _explain(chosen: pd.DataFrame, opps: pd.DataFrame, policy: str) -> pd.Series:
    """One line per attributed opportunity, its rule's template filled in (Arrow kernels, no loop per row)."""
    texts = {
        "opp_stored_id": "stored id {lead} on Opportunity {opp}",
        "converted_lead_stored_id": "Opportunity {opp} came from a converted Lead storing id {lead}",
        "converted_lead": "Opportunity {opp} came from the converted Lead of {person}; "
        + policy
        + " touch: lead {lead}",
        "opportunity_contact": "Opportunity {opp} ContactId {person}; " + policy + " touch: lead {lead}",
        "contact_role_primary": "primary contact role {person} on Opportunity {opp}; " + policy + " touch: lead {lead}",
        "contact_role": "contact role {person} on Opportunity {opp}; " + policy + " touch: lead {lead}",
        "account_single_contact": "only contact {person} of the Opportunity {opp}'s account; "
        + policy
        + " touch: lead {lead}",
    }
    fields = {name: shown_text(chosen[c]) for name, c in (("opp", "Id"), ("lead", "lead_id"), ("person", "person_id"))}
    return text_series(templated(chosen["rule"], texts, fields), index=chosen.index)
