"""Matching: cluster WhatConverts leads into people, link them to Salesforce people and opportunities.

A visible pipeline (index -> compare -> classify): `cluster_leads`, `exact_pairs` /
`fuzzy_pairs`, `decide`, then `attribute` for opportunities. Every link carries its rule,
score and a one-line explanation.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config
from ..display import counts_html, counts_repr
from ..normalize import NormalizedSnapshot
from ..normalize.names import caller_ids_first_name_first, cut_place_caller_ids
from ..normalize.postal import postal_key, restore_dropped_characters
from ..normalize.postal_typos import restore_foreign_prefixes
from ..normalize.textvec import visible_field
from ..tables.frames import by_position
from .arrow_text import per_distinct
from .candidates import cluster_names
from .classify import Decisions, anonymous_repeat_callers, shared_line_orphans
from .cluster import cluster_leads
from .copied_caller_ids import copied_caller_ids
from .explain import candidates as explain_candidates
from .explain import waterfall as explain_waterfall
from .fellegi_sunter import Weights
from .lead_notes import lead_explanations
from .local_phones import restore_local_phones
from .model import TrainedModel, fit_model, wc_units
from .model_settings import ModelSettings
from .new_people import join_new_people
from .opp_filter import filter_opportunities
from .opportunities import attribute
from .people import names_in_account_order, sf_people
from .shards import link_clusters

MATCH_COLUMNS = [
    "lead_id",
    "date_created",
    "spam",
    "duplicate",
    "user_id",
    "zip",
    "caller_zip",
    "city",
    "caller_city",
    "state",
    "address",
    "n_phone",
    "n_email",
    "n_first",
    "n_last",
    "n_name_source",
    "n_first_alt",
    "n_last_alt",
    "n_caller_cut",
    "n_company",
    "lead_status",
    "n_caller_kind",
    "caller_name",
]
NOTE_COLUMNS = [
    "n_email",
    "n_phone",
    "user_id",
    "n_first",
    "n_last",
    "n_caller_kind",
    "caller_name",
    "city",
    "caller_city",
]
PLACE_COLUMNS = ["zip", "caller_zip", "city", "caller_city", "state", "address"]  # read without invisible characters
LINK_COLUMNS = [
    "wc_lead_id",
    "sf_object",
    "sf_id",
    "rule",
    "score",
    "explanation",
    "matched_object",
    "matched_id",
    "account_id",
    "cluster",
]


@dataclass
class MatchResult:
    """Everything matching produced, for planning, reports and inspection."""

    leads: pd.DataFrame  # normalized WhatConverts leads + `cluster`
    people: pd.DataFrame  # Salesforce people (Leads and Contacts, resolved)
    pairs: pd.DataFrame  # every scored candidate pair
    decisions: Decisions
    person_links: pd.DataFrame  # one row per linked WhatConverts lead
    opp_links: pd.DataFrame  # one row per attributed opportunity
    opps_kept: pd.DataFrame
    opps_filtered: pd.DataFrame
    model: TrainedModel | None = None  # the probabilistic model's settings and learned weights
    settings: ModelSettings = field(default_factory=ModelSettings)  # the model settings this run used

    def explain(self, lead_id: str) -> pd.DataFrame:
        """Every candidate of the lead's person with every comparison level and weight (see match/explain.py)."""
        return explain_candidates(self, lead_id)

    def waterfall(self, lead_id: str, sf_id: str) -> pd.DataFrame:
        """The model's match weight for one candidate, field by field, as data (`plot_waterfall` charts it)."""
        return explain_waterfall(self, lead_id, sf_id)

    def model_json(self) -> dict:
        """Settings, their digest and the learned weights, for `match_model.json` beside the outputs."""
        weights = self.model.weights.__dict__ if self.model is not None else None
        return {"settings_digest": self.settings.digest(), "settings": self.settings.to_dict(), "weights": weights}

    def counts(self) -> dict[str, int]:
        """Leads, people, linked leads, review clusters and attributed opportunities."""
        return {
            "wc_leads": len(self.leads),
            "sf_people": len(self.people),
            "candidate_pairs": len(self.pairs),
            "linked_leads": len(self.person_links),
            "review_clusters": int(self.decisions.review["cluster"].nunique()),
            "attributed_opportunities": len(self.opp_links),
        }

    def __repr__(self) -> str:
        return counts_repr("MatchResult", self.counts())

    def _repr_html_(self) -> str:
        return counts_html("MatchResult", self.counts())

    @property
    def links(self) -> pd.DataFrame:
        """Person links, then opportunity attributions, in the `links.csv` shape."""
        opp = pd.DataFrame(
            {
                "wc_lead_id": self.opp_links["lead_id"],
                "sf_object": "Opportunity",
                "sf_id": self.opp_links["Id"],
                "rule": self.opp_links["rule"],
                "score": self.opp_links["score"],
                "explanation": self.opp_links["explanation"],
                "matched_object": "Opportunity",
                "matched_id": self.opp_links["Id"],
                "account_id": None,
                "cluster": None,
            }
        )
        links = pd.concat([self.person_links[LINK_COLUMNS], opp], ignore_index=True)
        return links.assign(match_settings=self.settings.digest())


def match_snapshot(
    norm: NormalizedSnapshot, config: Config, settings: ModelSettings | None = None, weights: Weights | None = None
) -> MatchResult:
    """Run the whole matching pipeline over a normalized snapshot.

    `settings` are the model's (defaults if None); `weights` from an earlier run are reused when
    they were trained under the same settings, else the model is trained on this snapshot.
    """
    people = sf_people(norm, config.wc_id_field, config.last_name_placeholder)
    # matching reads a dozen columns: filtering the full lead table would copy forty
    narrow = norm.wc_leads[[c for c in MATCH_COLUMNS if c in norm.wc_leads.columns]]
    narrow = narrow.assign(**{c: visible_field(narrow[c]) for c in PLACE_COLUMNS if c in narrow.columns})
    narrow, people = _restore_postal_codes(narrow, people)
    people = names_in_account_order(restore_local_phones(narrow, people))
    first_name_first = caller_ids_first_name_first(narrow, people)
    narrow = _read_first_name_first(narrow, first_name_first)
    towns = cut_place_caller_ids(narrow, people)
    narrow = _no_name(narrow, towns)
    clusters = cluster_leads(narrow, people)
    leads = narrow.assign(cluster=clusters.cluster)
    names = cluster_names(leads, clusters.conflicted_phones)
    settings = settings or ModelSettings()
    units = wc_units(leads, names) if len(leads) <= settings.max_leads else None  # training and scoring read it
    # the model trains on a thread (its blocking and EM are DuckDB queries, outside the GIL) while the
    # rules find the exact and fuzzy pairs; `link_clusters` waits for it before the model's own pairs
    with ThreadPoolExecutor(max_workers=1) as pool:
        training = (
            pool.submit(fit_model, leads, names, people, settings, weights, config.last_name_placeholder, units=units)
            if units is not None
            else None
        )
        pairs, decisions = link_clusters(leads, people, clusters.conflicted, names, config, training, units=units)
    model = training.result() if training is not None else None
    taken = set(decisions.linked["cluster"]) | set(decisions.review["cluster"])
    held = [shared_line_orphans(leads, clusters.conflicted_phones, taken)]
    if config.hold_anonymous_repeat_callers:
        held.append(anonymous_repeat_callers(leads, taken | set(held[0]["cluster"])))
    held.append(copied_caller_ids(leads, people, taken.union(*(set(h["cluster"]) for h in held))))
    held = [frame for frame in held if len(frame)]
    if held:
        decisions.review = pd.concat([decisions.review, *held], ignore_index=True)
    # one new person who typed their postal code two ways is one create (`new_people.py`)
    cluster = join_new_people(leads, np.union1d(decisions.linked["cluster"], decisions.review["cluster"]))
    leads = leads.assign(cluster=cluster)
    person_links = _person_links(leads, decisions.linked, people)
    snap = norm.snapshot
    kept, filtered = filter_opportunities(snap.sf_opportunities, config.opportunity_filter)
    opp_links = attribute(
        kept, snap.sf_leads, snap.sf_contacts, snap.sf_contact_roles, snap.wc_leads, person_links, config
    )
    full_leads = _no_name(_read_first_name_first(norm.wc_leads, first_name_first), towns)
    full_leads = full_leads.assign(cluster=cluster)
    return MatchResult(full_leads, people, pairs, decisions, person_links, opp_links, kept, filtered, model, settings)


def _read_first_name_first(leads: pd.DataFrame, flip: np.ndarray) -> pd.DataFrame:
    """The caller IDs at `flip` read FIRST SURNAME (`caller_ids_first_name_first`), the surname-first reading
    kept as their other one (whose surname is then no cut one)."""
    if not flip.any():
        return leads
    mask = pd.Series(flip, index=leads.index)
    swapped = {
        "n_first": leads["n_first"].mask(mask, leads["n_first_alt"]),
        "n_last": leads["n_last"].mask(mask, leads["n_last_alt"]),
        "n_first_alt": leads["n_first_alt"].mask(mask, leads["n_first"]),
        "n_last_alt": leads["n_last_alt"].mask(mask, leads["n_last"]),
        "n_caller_cut": leads["n_caller_cut"].mask(mask, False),
    }
    return leads.assign(**swapped)


def _no_name(leads: pd.DataFrame, place: np.ndarray) -> pd.DataFrame:
    """The caller IDs at `place` are a town, no name (`cut_place_caller_ids`)."""
    if not place.any():
        return leads
    mask = pd.Series(place, index=leads.index)
    cleared = {c: leads[c].mask(mask) for c in ("n_first", "n_last", "n_first_alt", "n_last_alt") if c in leads}
    cleared["n_name_source"] = leads["n_name_source"].mask(mask)
    cleared["n_caller_kind"] = leads["n_caller_kind"].mask(mask, "city")
    return leads.assign(**cleared)


def _restore_postal_codes(leads: pd.DataFrame, people: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Postal codes with a dropped character (`7702` for `77029`, `normalize/postal.py`) or a typo that takes them
    out of their city (`19315` in Philadelphia, `normalize/postal_typos.py`), in both systems, read as their
    full code; the leads' own values stay as typed for the plan."""
    columns = [c for c in ("zip", "caller_zip") if c in leads.columns]
    if not columns:
        return leads, people
    place = leads["city"] if "city" in leads.columns else pd.Series(None, index=leads.index, dtype="str")
    if "caller_city" in leads.columns:
        place = place.fillna(leads["caller_city"])
    city = per_distinct(place.astype("str"), lambda v: v.str.lower().str.strip())
    codes = [per_distinct(leads[c], postal_key) for c in columns] + [people["postal"]]
    cities = [city] * len(columns) + [people["city"]]
    lasts = [leads["n_last"]] * len(columns) + [people["n_last"]]
    firsts = [leads["n_first"]] * len(columns) + [people["n_first"]]
    # a code is read or repaired only beside a city and a surname: a column with none (no caller ZIP at all)
    # is left out of both steps, which read each row of the others alone or by its city's counts
    kept = [i for i in range(len(codes)) if (codes[i].notna() & cities[i].notna() & lasts[i].notna()).any()]
    if not kept:
        kept = [len(columns)]  # the records' codes alone: nothing is repaired, their column read as before
    every_code = pd.concat([codes[i] for i in kept], ignore_index=True)
    every_city = pd.concat([cities[i] for i in kept], ignore_index=True)
    every_last = pd.concat([lasts[i] for i in kept], ignore_index=True)
    restored = restore_dropped_characters(every_code, every_city, every_last)
    # a changed or swapped character that takes a code out of its city (`19315` in Philadelphia), in both
    # systems: a rep's `26712` in Raleigh is the `27612` the person's own form carries. Only a code no other
    # code of its city begins like is read so; a same-name pair one typo apart inside the city's own codes
    # still waits in review (`model.py`)
    first_names = pd.concat([firsts[i] for i in kept], ignore_index=True)
    restored = restore_foreign_prefixes(restored, every_city, first_names, every_last)
    moved = (restored.ne(every_code) & restored.notna()).to_numpy(bool)
    bounds = np.cumsum([0, *(len(codes[i]) for i in kept)])
    changed = {}
    for part, i in enumerate(kept[:-1] if kept[-1] == len(columns) else kept):
        mine = moved[bounds[part] : bounds[part + 1]]
        if mine.any():
            value = pd.Series(by_position(restored.iloc[bounds[part] : bounds[part + 1]]), index=leads.index)
            changed[columns[i]] = leads[columns[i]].where(~pd.Series(mine, index=leads.index), value)
    tail = restored.iloc[bounds[-2] :] if kept[-1] == len(columns) else people["postal"]
    tail = pd.Series(by_position(tail), index=people.index)
    if tail.ne(people["postal"]).fillna(False).any():
        people = people.assign(postal=tail.where(tail.notna(), people["postal"]))
    return (leads.assign(**changed) if changed else leads), people


def _members_links(cluster: np.ndarray, lead: np.ndarray, linked: np.ndarray) -> pd.DataFrame:
    """(cluster, lead, link) for each lead whose cluster is linked, in lead order: the inner merge of (cluster, lead)
    with (cluster, link position) on cluster. Linked clusters are unique integers: a table by cluster number finds
    each lead's link, no merge (0.25 s at a million leads); anything else is merged."""
    clusters = pd.DataFrame({"cluster": cluster, "lead": lead})
    links = pd.DataFrame({"cluster": linked, "link": np.arange(len(linked))})
    whole = cluster.dtype.kind in "iu" and linked.dtype.kind in "iu"
    if not whole or not len(linked) or not len(cluster) or linked.min() < 0 or cluster.min() < 0:
        return clusters.merge(links, on="cluster")
    size = max(int(linked.max()), int(cluster.max())) + 1
    if size > 4 * (len(cluster) + len(linked)) or not pd.Index(linked).is_unique:
        return clusters.merge(links, on="cluster")
    table = np.full(size, -1, dtype=np.int64)
    table[linked] = np.arange(len(linked))
    link = table[cluster]
    found = np.flatnonzero(link >= 0)
    return pd.DataFrame({"cluster": cluster[found], "lead": lead[found], "link": link[found]})


def _person_links(leads: pd.DataFrame, linked: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per (lead of a linked person, linked record), in the shape `links.csv` and planning read.

    Joined on integer positions: only the columns the rows need are gathered, once each."""
    cluster = leads["cluster"].to_numpy()
    members = np.flatnonzero(cluster >= 0)
    at = _members_links(cluster[members], members, linked["cluster"].to_numpy())
    lead_at, link_at = at["lead"].to_numpy(), at["link"].to_numpy()
    wanted = ["lead_id", "date_created", "spam", "duplicate", *NOTE_COLUMNS]
    rows = pd.DataFrame(
        {
            "cluster": at["cluster"],
            **{c: leads[c].take(lead_at).reset_index(drop=True) for c in wanted if c in leads.columns},
            **{
                c: linked[c].take(link_at).reset_index(drop=True)
                for c in ("row", "rule", "score", "explanation", "person_object", "person_id")
            },
        }
    )
    record = rows["row"].to_numpy()
    return pd.DataFrame(
        {
            "wc_lead_id": rows["lead_id"],
            "sf_object": rows["person_object"],
            "sf_id": rows["person_id"],
            "person_id": rows["person_id"],
            "rule": rows["rule"],
            "score": rows["score"],
            "explanation": lead_explanations(rows, people),  # each lead's own line
            "matched_object": people["sf_object"].take(record).reset_index(drop=True),
            "matched_id": people["sf_id"].take(record).reset_index(drop=True),
            "account_id": people["account_id"].take(record).reset_index(drop=True),
            "cluster": rows["cluster"],
            # for planning: when the lead came, and whether it may carry an id or credit
            "date_created": rows["date_created"],
            "eligible": ~(rows["spam"].fillna(False).astype(bool) | rows["duplicate"].fillna(False).astype(bool)),
        }
    )


__all__ = ["MatchResult", "match_snapshot"]
