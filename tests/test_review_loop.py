"""The review loop on the sandbox: queue -> decisions (spreadsheet import and the widget's Python API) ->
reconcile honours each kind -> push creates/links exactly those -> a later change makes a decision stale."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wcsf_recon import Config, read_snapshot, reconcile
from wcsf_recon.cli import app
from wcsf_recon.review import ReviewSession, read_decisions
from wcsf_recon.review.diagnostics import review_queue_chart, review_queue_history
from wcsf_recon.runs import EXIT_OK, RunLog, run_cycle
from wcsf_recon.sandbox import Sandbox
from wcsf_recon.synth import generate_world
from wcsf_recon.tables.export import read_safe_csv, write_safe_csv

SINCE = datetime(2024, 1, 1, tzinfo=UTC)
FIELD = Config().wc_id_field


@pytest.fixture(scope="module")
def world():
    return generate_world(300, seed=4040)


def _candidates(queue: pd.DataFrame) -> pd.Series:
    return queue.dropna(subset=["candidate_id"]).groupby("wc_lead_ids", sort=True)["candidate_id"].agg(list)


def _sf_with_ids(box: Sandbox, ids: set[str]) -> list[dict]:
    return [
        r
        for obj in ("Lead", "Contact")
        for r in box.state.sf[obj].values()
        if not r.get("IsDeleted") and str(r.get(FIELD) or "") in ids
    ]


def test_review_loop_on_the_sandbox(world, tmp_path: Path) -> None:
    with Sandbox(world.snapshot) as box:
        env = tmp_path / "sandbox.env"
        env.write_text(box.env_text())
        state, runs = tmp_path / "state", tmp_path / "runs"
        first = run_cycle(Config(), env, state, runs, apply=False, since=SINCE)
        assert first.exit_code == EXIT_OK
        queue = read_safe_csv(first.folder / "reports" / "review_queue.csv")
        assert "decision" in queue.columns and queue["decision"].isna().all()
        cands = _candidates(queue)
        multi = [k for k, v in cands.items() if len(v) >= 3]
        single = [k for k, v in cands.items() if len(v) == 1]
        assert len(multi) >= 2 and len(single) >= 2
        same_ids = multi[0]
        same_to = cands[same_ids][0]
        partly_ids = next(k for k in multi[1:] if same_to not in cands[k])  # other records: step 5 touches one
        create_ids, different_ids = single[0], single[1]

        # 1. a spreadsheet: `same` and `create` typed into the decision column, read back by the CLI
        sheet = queue.copy()
        sheet.loc[(sheet["wc_lead_ids"] == same_ids) & (sheet["candidate_id"] == same_to), "decision"] = "same"
        sheet.loc[sheet["wc_lead_ids"] == create_ids, "decision"] = "create"
        write_safe_csv(sheet, tmp_path / "filled.csv")
        done = CliRunner().invoke(
            app, ["review", "--import", str(tmp_path / "filled.csv"), "--state-dir", str(state), "--who", "alice"]
        )
        assert done.exit_code == 0, done.output
        assert "imported 2 answers" in done.output

        # 2. the Python API the notebook widget calls: `different` for every candidate / for one of several
        recon = reconcile(read_snapshot(first.folder / "snapshot"), decisions=read_decisions(state / "decisions.csv"))
        session = ReviewSession(recon, state / "decisions.csv", who="bob")
        pending = session.pending()
        assert same_ids not in pending and create_ids not in pending  # answered via the spreadsheet
        assert {different_ids, partly_ids} <= set(pending)
        session.answer(different_ids, "different", cands[different_ids][0], note="not her")
        session.answer(partly_ids, "different", cands[partly_ids][0])
        assert different_ids not in session.pending() and partly_ids in session.pending()  # resumable state
        answers = read_decisions(state / "decisions.csv")
        # the spreadsheet's answers come in the queue's row order, the API's in the order given
        assert sorted(answers[["decision", "who"]].values.tolist()) == [
            ["create", "alice"],
            ["different", "bob"],
            ["different", "bob"],
            ["same", "alice"],
        ]

        # 3. the next run honours each kind
        second = run_cycle(Config(), env, state, runs, apply=False, since=SINCE)
        assert second.exit_code == EXIT_OK, second.summary
        links = read_safe_csv(second.folder / "links.csv")
        same_leads = same_ids.split(";")
        linked = links[links["wc_lead_id"].isin(same_leads) & (links["sf_object"] != "Opportunity")]
        assert set(linked["sf_id"]) == {same_to} and set(linked["rule"]) == {"reviewed"}
        assert linked["score"].astype(float).eq(1.0).all() and linked["explanation"].str.contains("alice").all()
        creates = read_safe_csv(second.folder / "plan" / "salesforce_lead_creates.csv")
        created_for = set(creates["source_lead_ids"])
        assert create_ids in created_for and different_ids in created_for  # `different` left it without candidates
        assert not any(set(s.split(";")) & set(same_leads) for s in created_for)
        queue2 = read_safe_csv(second.folder / "reports" / "review_queue.csv")
        assert not queue2["wc_lead_ids"].isin([same_ids, create_ids, different_ids]).any()
        left = queue2.loc[queue2["wc_lead_ids"] == partly_ids, "candidate_id"]
        assert set(left) == set(cands[partly_ids][1:])
        assert len(read_safe_csv(second.folder / "reports" / "stale_decisions.csv")) == 0

        # 4. push: exactly those creates, and the reviewed link's id written onto the chosen record
        before = {obj: set(box.state.sf[obj]) for obj in ("Lead", "Contact")}
        pushed = CliRunner().invoke(
            app,
            [
                *("push", "--plan", str(second.folder / "plan"), "--apply", "--backfill-ids"),
                *("--env-file", str(env), "--state-dir", str(state)),
            ],
        )
        assert pushed.exit_code == 0, pushed.output
        new_leads = [r for i, r in box.state.sf["Lead"].items() if i not in before["Lead"]]
        assert sorted(str(r[FIELD]) for r in new_leads) == sorted(creates["wc_lead_id"])
        for ids in (create_ids, different_ids):
            assert len([r for r in new_leads if str(r[FIELD]) in set(ids.split(";"))]) == 1
        assert not [r for r in new_leads if str(r[FIELD]) in set(same_leads)]
        chosen = box.state.sf["Contact" if same_to.startswith("003") else "Lead"][same_to]
        assert str(chosen[FIELD]) in set(same_leads)

        # 5. the chosen record is deleted in Salesforce: the `same` decision is reported stale, not applied
        chosen["IsDeleted"] = True
        chosen["SystemModstamp"] = box.state.now_sf()
        third = run_cycle(Config(), env, state, runs, apply=False, since=SINCE)
        stale = read_safe_csv(third.folder / "reports" / "stale_decisions.csv")
        assert third.exit_code == EXIT_OK and third.summary["stale_decisions"] == 1, stale.to_dict("records")
        assert stale[["wc_lead_ids", "candidate_id", "decision"]].values.tolist() == [[same_ids, same_to, "same"]]
        assert "no longer exists" in stale.at[0, "problem"]
        links3 = read_safe_csv(third.folder / "links.csv")
        assert not (links3["wc_lead_id"].isin(same_leads) & (links3["rule"] == "reviewed")).any()
        creates3 = read_safe_csv(third.folder / "plan" / "salesforce_lead_creates.csv")
        assert not creates3["source_lead_ids"].isin([create_ids, different_ids]).any()  # created once, not again
        sizes = [r["summary"].get("review_queue") for r in RunLog(state).rows()]
        assert sizes[0] > sizes[1]  # the answered clusters left the queue
        history = review_queue_history(state)
        assert history["review_queue"].tolist() == sizes and history["stale_decisions"].tolist() == [0, 0, 1]
        line = review_queue_chart(history).axes[0].lines[0]
        assert list(line.get_ydata()) == sizes
