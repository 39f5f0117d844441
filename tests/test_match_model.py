"""The probabilistic name/place model on hand-built records: learned weights, frequency, swaps, settings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wcsf_recon import reconcile
from wcsf_recon.errors import ConfigError
from wcsf_recon.match.fellegi_sunter import Weights, compare, contributions, level_labels
from wcsf_recon.match.model_settings import DEFAULT_COMPARISONS, ModelSettings

from .builders import lead, make_snapshot

_FIRST = ["james", "mary", "robert", "linda", "michael", "susan", "david", "karen", "paul", "nancy"]
_LAST = ["smith", "quennell", "okafor", "brandt", "ivanova", "moreau", "tanaka", "silva", "novak", "haas"]


def _world(extra_wc: list[dict], extra_sf: list[dict]):
    """60 Salesforce Leads with a form lead each (a typo or two), plus the case under test."""
    sf, wc = [], []
    rng = np.random.default_rng(3)
    for i in range(60):
        first, last = _FIRST[i % 10], _LAST[(i * 7) % 10] + ("" if i < 10 else str(chr(97 + i % 26)))
        postal, city = f"{20000 + i * 37}", f"town{i % 17}"
        sf.append({"Id": f"00Q{i:04d}", "FirstName": first, "LastName": last, "PostalCode": postal, "City": city})
        typo = last[:-1] + last[-1] * 2 if rng.random() < 0.3 else last
        wc.append(lead(1000 + i, "2025-02-01T00:00:00Z", contact_name=f"{first} {typo}", zip=postal, city=city))
    return make_snapshot(wc_leads=wc + extra_wc, sf_leads=sf + extra_sf)


def _link(recon, lead_id: str) -> pd.Series | None:
    links = recon.match.person_links.set_index("wc_lead_id")
    return links.loc[lead_id] if lead_id in links.index else None


def test_swapped_first_and_last_name_links_and_says_so() -> None:
    snap = _world(
        [lead(1, "2025-03-01T00:00:00Z", contact_name="Quennell Thomas", zip="99001", city="harbour")],
        [{"Id": "00QX", "FirstName": "Thomas", "LastName": "Quennell", "PostalCode": "99001", "City": "harbour"}],
    )
    row = _link(reconcile(snap), "1")
    assert row is not None and row["sf_id"] == "00QX" and row["rule"] == "model"
    assert "swapped" in row["explanation"]


def test_misspelled_surname_and_postcode_typo_still_links() -> None:
    snap = _world(
        [lead(2, "2025-03-01T00:00:00Z", contact_name="Xavier Quenell", zip="99012", city="harbour")],
        [{"Id": "00QY", "FirstName": "Xavier", "LastName": "Quennell", "PostalCode": "99021", "City": "harbour"}],
    )
    row = _link(reconcile(snap), "2")
    assert row is not None and row["sf_id"] == "00QY"


def test_common_name_weighs_less_than_a_rare_one() -> None:
    """Frequency matters (issue item 6): an exact `smith` adds fewer bits than an exact `quennell`."""
    snap = _world([], [])
    recon = reconcile(snap)
    model = recon.match.model
    for _ in range(1):
        wc = pd.DataFrame(
            {
                "cluster": [0, 1],
                "first": ["john", "xavier"],
                "last": ["smith", "zzyzx"],
                "postal": ["1", "2"],
                "city": [None, None],
                "state": [None, None],
                "street": [None, None],
            }
        )
    sf = wc.assign(row=[0, 1])
    tf = {"last": pd.Series({"smith": 0.05, "zzyzx": 0.0001}), "first": pd.Series({"john": 0.03, "xavier": 0.0002})}
    compared = compare(wc, sf, pd.DataFrame({"wc": [0, 1], "sf": [0, 1]}), model.settings)
    parts = contributions(compared, model.weights, model.settings, tf)
    assert parts.loc[0, "last"] < parts.loc[1, "last"]
    assert parts.loc[0, "first"] < parts.loc[1, "first"]
    assert list(level_labels(compared, model.settings)["last"]) == ["exact", "exact"]


def test_household_member_with_another_first_name_is_not_linked() -> None:
    snap = _world(
        [lead(3, "2025-03-01T00:00:00Z", contact_name="Maria Garcia", zip="99030", city="harbour")],
        [
            {"Id": "00QJ", "FirstName": "Jose", "LastName": "Garcia", "PostalCode": "99030", "City": "harbour"},
            {"Id": "00QL", "FirstName": "Lucia", "LastName": "Garcia", "PostalCode": "99030", "City": "harbour"},
        ],
    )
    recon = reconcile(snap)
    assert _link(recon, "3") is None


def test_settings_round_trip_validate_and_digest(tmp_path) -> None:
    settings = ModelSettings(link_weight=5.0, review_weight=3.0)
    path = settings.save(tmp_path / "match.json")
    again = ModelSettings.load(path)
    assert again.digest() == settings.digest() != ModelSettings().digest()
    assert again.comparisons == DEFAULT_COMPARISONS
    data = json.loads(path.read_text())
    data["comparisons"][0]["levels"].append({"kind": "soundex"})
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="soundex"):
        ModelSettings.load(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="unknown key"):
        ModelSettings.from_dict({"link_wieght": 3})
    with pytest.raises(ConfigError, match="review_weight"):
        ModelSettings.from_dict({"link_weight": 1.0, "review_weight": 2.0})


def test_trained_weights_save_and_reload(tmp_path) -> None:
    recon = reconcile(_world([], []))
    weights = recon.match.model.weights
    again = Weights.load(weights.save(tmp_path / "weights.json"))
    assert again.m == weights.m and again.prior == weights.prior
    assert again.settings_digest == ModelSettings().digest()
    # m of an exact surname learned well above its chance rate u, without labels
    assert weights.m["last"][1] > 10 * weights.u["last"][1]


def test_explain_lists_every_candidate_with_levels_and_a_waterfall(tmp_path) -> None:
    from wcsf_recon.match.explain import plot_waterfall

    snap = _world(
        [lead(2, "2025-03-01T00:00:00Z", contact_name="Xavier Quenell", zip="99012", city="harbour")],
        [
            {"Id": "00QY", "FirstName": "Xavier", "LastName": "Quennell", "PostalCode": "99021", "City": "harbour"},
            {"Id": "00QZ", "FirstName": "Xavier", "LastName": "Quinn", "PostalCode": "99012", "City": "elsewhere"},
        ],
    )
    recon = reconcile(snap)
    table = recon.explain("2")
    assert {"00QY", "00QZ"} <= set(table["sf_id"])
    assert table.loc[table["sf_id"] == "00QY", "linked"].item()
    assert {"level_first", "level_last", "level_postal", "level_city", "w_last"} <= set(table.columns)
    steps = recon.match.waterfall("2", "00QY")
    assert steps["step"].iloc[0] == "prior" and "last" in set(steps["step"])
    assert steps["cumulative"].iloc[-1] == pytest.approx(table.loc[table["sf_id"] == "00QY", "weight"].item())
    assert plot_waterfall(steps).get_ylabel() == "match weight (bits)"
    out = recon.write(tmp_path / "out", workbook=False)
    stamped = json.loads((out / "match_model.json").read_text())
    assert stamped["settings_digest"] == ModelSettings().digest()
    links = pd.read_csv(out / "links.csv", dtype=str)
    assert set(links["match_settings"]) == {ModelSettings().digest()}
    assert Weights(**stamped["weights"]).m == recon.match.model.weights.m


def test_a_near_miss_never_weighs_less_than_no_agreement() -> None:
    """A level the true pairs never showed (m ~ 0) weighs at worst what a different value weighs."""
    weights = Weights(
        m={"last": [0.0, 0.97, 0.0, 0.0, 0.03]},  # null, exact, jaro-winkler, phonetic, else
        u={"last": [0.0, 0.005, 0.0002, 0.0008, 0.99]},
        prior=0.001,
        settings_digest="x",
    )
    bits = weights.bayes_factors("last")
    assert bits[0] == 0.0
    assert bits[1] == pytest.approx(np.log2(0.97 / 0.005))
    assert bits[2] == bits[3] == bits[4] == pytest.approx(np.log2(0.03 / 0.99))
    weights.m["last"][2] = 0.01  # where the account shows near misses, they count for the match
    assert weights.bayes_factors("last")[2] == pytest.approx(np.log2(0.01 / 0.0002))


def test_first_name_only_alike_beside_another_persons_email_and_phone_is_not_linked() -> None:
    """Elijah Romero (his own email and phone) is not Elizabeth Romero (hers) at the same postal code: the
    first names are only alike (Jaro-Winkler 0.86, no nickname, no single typo) and every contact differs."""
    contacts = {"Email": "eromero@aol.com", "Phone": "6139089111"}
    sf = {"Id": "00QE", "FirstName": "Elizabeth", "LastName": "Romero", "PostalCode": "99040", "City": "harbour"}
    form = {"contact_name": "Elijah Romero", "zip": "99040", "city": "harbour"}
    mine = {"email_address": "elijahromero15@comcast.net", "phone_number": "+16136770772"}
    snap = _world([lead(4, "2025-03-01T00:00:00Z", **form, **mine)], [{**sf, **contacts}])
    assert _link(reconcile(snap), "4") is None
    # with no contact details on the lead the likeness of the names still decides, as before
    snap = _world([lead(5, "2025-03-01T00:00:00Z", **form)], [{**sf, **contacts}])
    row = _link(reconcile(snap), "5")
    assert row is not None and row["sf_id"] == "00QE" and row["rule"] == "model"
