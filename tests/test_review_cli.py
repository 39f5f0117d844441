"""`wcsf-recon review` without a sandbox: terminal keys (resumable), sample export, evaluation, bad files."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wcsf_recon import read_decisions, read_snapshot, reconcile, write_snapshot
from wcsf_recon.cli import app
from wcsf_recon.errors import InputError
from wcsf_recon.review import import_review_file
from wcsf_recon.synth import generate_world
from wcsf_recon.tables.export import read_safe_csv, write_safe_csv


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("snap")
    write_snapshot(generate_world(300, seed=4040).snapshot, out)
    return out


def _review(*args: str, keys: str = "") -> object:
    return CliRunner().invoke(app, ["review", *args], input=keys)


def test_terminal_keys_record_answers_and_resume(snapshot_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    base = ["--snapshot", str(snapshot_dir), "--state-dir", str(state), "--who", "carol"]
    first = _review(*base, keys="1\nq\n")
    assert first.exit_code == 0, first.output
    answers = read_decisions(state / "decisions.csv")
    assert answers[["decision", "who"]].values.tolist() == [["same", "carol"]]
    second = _review(*base, keys="zz\nc\nd1\nq\n")  # a wrong key is refused and asked again
    assert second.exit_code == 0, second.output
    assert "not a key" in second.output
    answers = read_decisions(state / "decisions.csv")
    assert answers["decision"].tolist() == ["same", "create", "different"]
    assert len(set(answers["wc_lead_ids"])) == 3  # resumed: the answered cluster was not asked again
    recon = reconcile(read_snapshot(snapshot_dir), decisions=answers)
    queue = recon.reports["review_queue"]
    assert not queue["wc_lead_ids"].isin(answers["wc_lead_ids"].iloc[:2]).any()
    excluded = answers.iloc[2]
    left = queue.loc[queue["wc_lead_ids"] == excluded["wc_lead_ids"], "candidate_id"]
    assert excluded["candidate_id"] not in set(left)


def test_sample_export_import_and_evaluate(snapshot_dir: Path, tmp_path: Path) -> None:
    state, sheet = tmp_path / "state", tmp_path / "sample.csv"
    out = _review("--snapshot", str(snapshot_dir), "--state-dir", str(state), "--sample", "20", "--seed", "3",
                  "--export", str(sheet))  # fmt: skip
    assert out.exit_code == 0, out.output
    sample = read_safe_csv(sheet)
    assert len(sample) == 20 and set(sample["reason"]) == {"a random sample of auto-links"}
    assert sample["score"].astype(float).min() >= 0.85  # auto-links, not queue items
    sample["decision"] = ["same"] * 19 + ["different"]
    write_safe_csv(sample, sheet)
    imported = _review("--import", str(sheet), "--state-dir", str(state), "--who", "dave")
    assert imported.exit_code == 0 and "imported 20 answers" in imported.output
    chart = tmp_path / "sweep.png"
    shown = _review("--snapshot", str(snapshot_dir), "--state-dir", str(state), "--evaluate", "--chart", str(chart))
    assert shown.exit_code == 0, shown.output
    assert "auto-link precision" in shown.output and "0.95" in shown.output  # 19 of 20
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_decisions_name_file_row_and_value(snapshot_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "decisions.csv"
    bad.write_text(
        "wc_lead_ids,candidate_id,decision,who,when,note\n"
        "178800049,0035g0000000022AAA,same,a,2026-12-01T10:00:00+00:00,\n"
        "178800050,0035g0000000022AAA,maybe,a,,\n"
    )
    out = CliRunner().invoke(app, ["reconcile", "-s", str(snapshot_dir), "--out", str(tmp_path / "o"),
                                   "--decisions", str(bad)])  # fmt: skip
    assert out.exit_code == 2
    line = " ".join(out.output.split())
    assert str(bad.name) in line and "row 2" in line and "'maybe'" in line and "same, different or create" in line
    cases = {
        "x1,0035g0000000022AAA,same,a,,\n": "lead ids",
        "178800049,,same,a,,\n": "Salesforce id",
        "178800049,0035g0000000022AAA,create,a,,\n": "candidate 'new'",
        "178800049,0035g0000000022AAA,same,a,yesterday,\n": "ISO 8601",
    }
    for row, words in cases.items():
        bad.write_text("wc_lead_ids,candidate_id,decision,who,when,note\n" + row)
        with pytest.raises(InputError, match=words) as caught:
            read_decisions(bad)
        assert "row 1" in str(caught.value)
    sheet = tmp_path / "queue.csv"
    pd.DataFrame(
        {"wc_lead_ids": ["1", "1"], "candidate_id": ["0035g0000000022AAA", "0035g0000000023AAA"],
         "decision": ["same", "same"]}
    ).to_csv(sheet, index=False)  # fmt: skip
    with pytest.raises(InputError, match="more than one row"):
        import_review_file(sheet)


def test_decisions_round_trip_every_value(tmp_path: Path) -> None:
    from wcsf_recon.review import append_decisions, decision_row

    path = tmp_path / "decisions.csv"
    rows = [
        decision_row("178800049;178800050", "0035g0000000022AAA", "same", "=HYPERLINK(evil)", note='+1 704, "quoted"'),
        decision_row("178800051", None, "create", "ann", note="-starts with minus\nand a newline"),
    ]
    append_decisions(path, rows)
    back = read_decisions(path)
    assert back.to_dict("records") == rows
    assert "'=HYPERLINK" in path.read_text()  # neutralized on disk, restored on reading


def test_import_from_the_workbook(snapshot_dir: Path, tmp_path: Path) -> None:
    import openpyxl

    recon = reconcile(read_snapshot(snapshot_dir))
    recon.write(tmp_path / "out")
    path = tmp_path / "out" / "reports" / "reconciliation.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["review queue"]
    header = [c.value for c in sheet[1]]
    column = header.index("decision") + 1
    sheet.cell(row=2, column=column, value="different")
    sheet.cell(row=3, column=column, value="Create")
    book.save(path)
    rows = import_review_file(path, who="erin")
    queue = recon.reports["review_queue"]
    assert rows[["wc_lead_ids", "candidate_id", "decision", "who"]].values.tolist() == [
        [queue.at[0, "wc_lead_ids"], queue.at[0, "candidate_id"], "different", "erin"],
        [queue.at[1, "wc_lead_ids"], "new", "create", "erin"],
    ]


def test_fifteen_character_ids_are_widened() -> None:
    from wcsf_recon.review import decision_row

    assert decision_row("178800049", "0035g0000000022", "same", "ann")["candidate_id"] == "0035g0000000022AAA"


def test_report_command_honours_the_state_folder_decisions(snapshot_dir: Path, tmp_path: Path) -> None:
    from wcsf_recon.review import append_decisions, decision_row

    queue = reconcile(read_snapshot(snapshot_dir)).reports["review_queue"]
    ids = queue["wc_lead_ids"].iloc[0]
    append_decisions(tmp_path / "state" / "decisions.csv", [decision_row(ids, None, "create", "hal")])
    out = CliRunner().invoke(
        app, ["report", "-s", str(snapshot_dir), "--out", str(tmp_path / "o"), "--state-dir", str(tmp_path / "state")]
    )
    assert out.exit_code == 0, out.output
    assert ids not in set(read_safe_csv(tmp_path / "o" / "reports" / "review_queue.csv")["wc_lead_ids"])
    creates = read_safe_csv(tmp_path / "o" / "plan" / "salesforce_lead_creates.csv")
    assert ids in set(creates["source_lead_ids"])


@pytest.fixture(scope="module")
def names_only_snapshot(tmp_path_factory) -> Path:
    """300 FEBRL4 records a side (names and places only): the match model decides their links."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import febrl

    snap = febrl.febrl_world("febrl4").snapshot
    out = tmp_path_factory.mktemp("febrl")
    write_snapshot(dataclasses.replace(snap, wc_leads=snap.wc_leads.iloc[:300], sf_leads=snap.sf_leads.iloc[:300]), out)
    return out


def test_review_rebuilds_the_queue_of_the_reconcile_it_is_given(names_only_snapshot: Path, tmp_path: Path) -> None:
    """`review --match-settings S --out O` asks about exactly the pairs `reconcile --match-settings S --out O` queued.

    Guards a review that rebuilt its queue under the default settings while the reconcile ran with others.
    """
    snap = str(names_only_snapshot)
    settings = tmp_path / "settings.toml"
    settings.write_text("link_weight = 30.0\n")  # the model links nothing: its pairs wait in review
    out, state = tmp_path / "out", tmp_path / "state"
    ran = CliRunner().invoke(app, ["reconcile", "-s", snap, "--out", str(out), "--match-settings", str(settings),
                                   "--state-dir", str(state)])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    queued = read_safe_csv(out / "reports" / "review_queue.csv")
    expected = set(zip(queued["wc_lead_ids"], queued["candidate_id"], strict=True))
    assert expected

    def exported(*extra: str) -> set[tuple[str, str]]:
        sheet = tmp_path / f"items{len(extra)}.csv"
        done = _review("--snapshot", snap, "--state-dir", str(state), "--export", str(sheet), *extra)
        assert done.exit_code == 0, done.output
        items = read_safe_csv(sheet)
        return set(zip(items["wc_lead_ids"], items["candidate_id"], strict=True))

    assert exported("--out", str(out), "--match-settings", str(settings)) == expected
    assert exported() != expected  # the default settings queue other pairs: the settings matter
