"""The match model from the user's side: a settings file, config key, CLI options, saved weights and their reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import wcsf_recon as wr
from wcsf_recon.cli import app
from wcsf_recon.errors import ConfigError, InputError
from wcsf_recon.match.saved_model import load_weights, read_model_file
from wcsf_recon.tables.snapshot import write_snapshot

runner = CliRunner()


@pytest.fixture(scope="module")
def snap_dir(tmp_path_factory, small_world) -> Path:
    return write_snapshot(small_world.snapshot, tmp_path_factory.mktemp("snap") / "snap")


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _reconcile(snap: Path, out: Path, *extra: str) -> dict:
    code, output = _cli("reconcile", "-s", str(snap), "--out", str(out), "--state-dir", str(out.parent), *extra)
    assert code == 0, output
    return json.loads((out / "manifest.json").read_text())


@pytest.mark.parametrize("name", ["match.toml", "match.json"])
def test_model_init_writes_the_defaults_a_user_can_edit_and_load(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    code, output = _cli("model", "init", str(path))
    assert code == 0 and wr.ModelSettings().digest() in output
    assert wr.ModelSettings.load(path) == wr.ModelSettings()
    code, output = _cli("model", "init", str(path))  # never overwritten by accident
    assert code == 2 and "--force" in output
    if name.endswith(".toml"):  # edited by hand: one value changed, the rest as written
        text = path.read_text().replace("link_weight = 2.0", "link_weight = 6.5")
        path.write_text(text)
        assert wr.ModelSettings.load(path) == wr.ModelSettings(link_weight=6.5)


def test_a_settings_file_with_only_some_keys_keeps_the_other_defaults(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text("margin_bits = 6\n")
    loaded = wr.ModelSettings.load(tmp_path / "m.toml")
    assert loaded == wr.ModelSettings(margin_bits=6.0) and loaded.digest() == wr.ModelSettings(margin_bits=6.0).digest()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('link_weight = "high"\n', "link_weight = 'high'"),
        ("link_wieght = 3\n", "link_wieght"),
        ("max_block_size = 0\n", "max_block_size = 0"),
        ('blocking = ["last"]\n', "blocking = ['last']"),
        ('[[comparisons]]\nfield = "last"\nlevels = [{kind = "jaro_winkler", threshold = "x"}]\n', "threshold = 'x'"),
        ('[[comparisons]]\nfield = "last"\nlevels = [{kind = "soundex"}]\n', "'soundex'"),
        ("link_weight = \n", "not valid TOML"),
    ],
)
def test_a_bad_settings_file_is_one_line_naming_file_key_and_value(
    snap_dir: Path, tmp_path: Path, text: str, named: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    code, output = _cli("reconcile", "-s", str(snap_dir), "--out", str(out), "--match-settings", str(bad))
    line = " ".join(output.split())  # rich may wrap the one line at the terminal width
    assert code == 2 and line.startswith(f"error: {bad}:") and named in line, output
    assert "Traceback" not in output and not out.exists()  # refused before anything is written


def test_config_key_names_the_settings_file_relative_to_the_config(snap_dir: Path, tmp_path: Path) -> None:
    settings = wr.ModelSettings(link_weight=3.0, review_weight=1.5)
    (tmp_path / "conf").mkdir()
    settings.save(tmp_path / "conf" / "match.toml")
    config = tmp_path / "conf" / "wcsf.toml"
    config.write_text('[reconcile]\nmatch_settings = "match.toml"\n')
    manifest = _reconcile(snap_dir, tmp_path / "out", "--config", str(config))
    assert manifest["match_settings"] == settings.digest() != wr.ModelSettings().digest()
    links = pd.read_csv(tmp_path / "out" / "links.csv", dtype=str)
    assert set(links["match_settings"]) == {settings.digest()}
    saved, _ = read_model_file(tmp_path / "out")
    assert saved == settings
    config.write_text('[reconcile]\nmatch_settings = "missing.toml"\n')
    code, output = _cli("config", "check", "--config", str(config), "--offline")
    assert code == 2 and "match_settings" in output and "missing.toml" in output and "model init" in output


def test_notebook_api_takes_the_settings_from_config(small_world, tmp_path: Path) -> None:
    path = wr.ModelSettings(margin_bits=6.0).save(tmp_path / "m.json")
    recon = wr.reconcile(small_world.snapshot, wr.Config(match_settings=path))
    digest = wr.ModelSettings.load(path).digest()
    assert recon.match.settings.digest() == digest and set(recon.links["match_settings"]) == {digest}
    recon.write(tmp_path / "out", workbook=False)
    assert wr.load_weights(tmp_path / "out") == recon.match.model.weights  # every learned value round-trips
    again = wr.reconcile(
        small_world.snapshot, wr.Config(match_settings=path), weights=wr.load_weights(tmp_path / "out")
    )
    assert again.weights_reused and not recon.weights_reused
    assert wr.load_weights(tmp_path / "nothing-here") is None
    assert wr.Config.from_mapping({"match_settings": str(path)}).model_settings() == wr.ModelSettings(margin_bits=6.0)
    with pytest.raises(ConfigError, match="margin_bits = -1"):
        wr.Config(match_settings=wr.ModelSettings.from_dict({"margin_bits": -1}))


def test_weights_are_reused_while_the_settings_hold_and_retrained_when_they_change(
    snap_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = _reconcile(snap_dir, out)
    assert first["match_model"]["weights"] == "trained" and first["match_settings"] == wr.ModelSettings().digest()
    links_first = pd.read_csv(out / "links.csv", dtype=str)
    again = _reconcile(snap_dir, out)
    assert again["match_model"]["weights"] == "reused"  # same settings: the saved weights, the same links
    pd.testing.assert_frame_equal(pd.read_csv(out / "links.csv", dtype=str), links_first)
    # mark the saved weights: a run that reuses them carries the mark; one that retrains cannot
    model = json.loads((out / "match_model.json").read_text())
    marked = model["weights"]["prior"] * 1.01
    model["weights"]["prior"] = marked
    (out / "match_model.json").write_text(json.dumps(model))

    code, output = _cli("reconcile", "-s", str(snap_dir), "--out", str(out), "--state-dir", str(tmp_path))
    assert code == 0 and "match model: weights reused" in " ".join(output.split())  # said, not silent
    second = json.loads((out / "manifest.json").read_text())
    assert second["match_model"]["weights"] == "reused"
    assert load_weights(out).prior == marked  # written back as reused, not trained afresh
    scored = pd.read_csv(out / "links.csv", dtype=str)
    by_model = links_first["rule"] == "model"
    assert by_model.any() and (scored.loc[by_model, "score"] != links_first.loc[by_model, "score"]).any()

    retrained = _reconcile(snap_dir, out, "--retrain")
    assert retrained["match_model"]["weights"] == "trained" and load_weights(out).prior != marked
    model = json.loads((out / "match_model.json").read_text())
    model["weights"]["prior"] = marked
    (out / "match_model.json").write_text(json.dumps(model))

    changed = tmp_path / "changed.toml"
    wr.ModelSettings(margin_bits=5.0).save(changed)
    third = _reconcile(snap_dir, out, "--match-settings", str(changed))
    assert (
        third["match_model"]["weights"] == "trained"
        and third["match_settings"] == wr.ModelSettings.load(changed).digest()
    )
    assert load_weights(out).prior != marked and load_weights(out).settings_digest == third["match_settings"]

    (out / "match_model.json").unlink()  # deleting the file retrains too
    assert _reconcile(snap_dir, out)["match_model"]["weights"] == "trained"


def test_model_show_prints_the_weights_and_refuses_a_broken_file(snap_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _reconcile(snap_dir, out)
    code, output = _cli("model", "show", str(out))
    assert code == 0 and wr.ModelSettings().digest() in output and "jaro_winkler>=0.92" in output
    weights = load_weights(out)
    assert f"{weights.m['last'][1]:.4f}" in output  # the exact-surname level's m, as learned
    model = json.loads((out / "match_model.json").read_text())
    model["weights"]["m"]["last"] = model["weights"]["m"]["last"][:-1]  # one level short
    (out / "match_model.json").write_text(json.dumps(model))
    with pytest.raises(InputError, match=r"weights\.m\.last must be 7 probabilities"):
        load_weights(out)
    code, output = _cli("model", "show", str(out))
    assert code == 2 and "match_model.json" in output and "weights.m.last" in output
    code, output = _cli("reconcile", "-s", str(snap_dir), "--out", str(out))
    assert code == 2 and "--retrain" in " ".join(output.split())
    assert _reconcile(snap_dir, out, "--retrain")["match_model"]["weights"] == "trained"


def test_scheduled_runs_reuse_the_last_runs_weights(small_world, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from wcsf_recon.runs import EXIT_OK, run_cycle
    from wcsf_recon.sandbox import Sandbox

    since = datetime(2024, 1, 1, tzinfo=UTC)
    with Sandbox(small_world.snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        state, runs = tmp_path / "state", tmp_path / "runs"
        first = run_cycle(wr.Config(), env, state, runs, apply=False, since=since)
        second = run_cycle(wr.Config(), env, state, runs, apply=False, since=since)
        third = run_cycle(wr.Config(), env, state, runs, apply=False, since=since, retrain=True)
    assert first.exit_code == second.exit_code == third.exit_code == EXIT_OK
    made = [
        json.loads((o.folder / "manifest.json").read_text())["match_model"]["weights"] for o in (first, second, third)
    ]
    assert made == ["trained", "reused", "trained"]
    assert load_weights(second.folder) == load_weights(first.folder)


@pytest.mark.parametrize("command", ["report", "demo"])
def test_report_and_demo_take_the_settings_and_reuse_the_weights(snap_dir: Path, tmp_path: Path, command: str) -> None:
    settings = tmp_path / "m.toml"
    wr.ModelSettings(link_weight=3.0).save(settings)
    args = [command, "-s", str(snap_dir), "--out", str(tmp_path / "out"), "--match-settings", str(settings)]
    if command == "report":
        args += ["--state-dir", str(tmp_path)]
    made = []
    for _ in range(2):
        code, output = _cli(*args)
        assert code == 0, output
        made.append(json.loads((tmp_path / "out" / "manifest.json").read_text()))
    digest = wr.ModelSettings.load(settings).digest()
    assert [m["match_settings"] for m in made] == [digest, digest]
    assert [m["match_model"]["weights"] for m in made] == ["trained", "reused"]
    config = tmp_path / "wcsf.toml"
    config.write_text('match_settings = "m.toml"\n')
    code, output = _cli("config", "check", "--config", str(config), "--offline")
    assert code == 0 and f"match settings {digest}" in " ".join(output.split())


def test_model_explain_lists_candidates_and_charts_the_waterfall(snap_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _reconcile(snap_dir, out)
    links = pd.read_csv(out / "links.csv", dtype=str)
    model = links[links["rule"] == "model"].iloc[0]
    chart = tmp_path / "waterfall.png"
    code, output = _cli(
        "model", "explain", model["wc_lead_id"], "-s", str(snap_dir), "--out", str(out), "--chart", str(chart)
    )
    assert code == 0, output
    assert model["matched_id"] in output and "Waterfall" in output and "prior" in output
    weight = float(model["explanation"].split("match weight ")[1].split(" bits")[0])
    assert f"+{weight:.1f}" in output  # the candidate's match weight, as its one-line explanation says
    assert chart.read_bytes().startswith(b"\x89PNG")
    code, output = _cli("model", "explain", "no-such-lead", "-s", str(snap_dir))
    assert code == 2 and "no WhatConverts lead 'no-such-lead'" in output
