"""Reviewers' decisions as labels: the matcher measured on the account's own data.

Every candidate pair the matcher scored is either an auto-link or a review-queue item. Labels are
drawn from both: the review queue (answered in any order) and a uniform random sample of
auto-links (`sample_auto_links`). Within each (outcome, rule) or (outcome, score band) cell the
labelled pairs stand for all pairs of that cell (post-stratified estimates), so a small random
sample of auto-links weighs as much as the thousands it stands for. Precision is of auto-links;
recall is among the scored candidate pairs (a true match the matcher never scored is invisible to
labels). `same` on a candidate makes it a true match and the cluster's other candidates non-matches;
`different` makes that candidate a non-match; `create` makes every candidate of the cluster one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .apply import candidate_table, resolve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..reconcile import Reconciliation

BANDS = [0.0, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0001]
Z95 = 1.959963984540054


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); (nan, nan) without observations."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(float(max(0.0, centre - half)), 12), round(float(min(1.0, centre + half)), 12))


def candidates_of(recon: Reconciliation) -> pd.DataFrame:
    """The matcher's own verdicts, from before any decisions were applied."""
    table = recon.review.candidates
    return table if len(table) else candidate_table(recon.match)


def labelled_pairs(recon: Reconciliation, decisions: pd.DataFrame) -> pd.DataFrame:
    """Candidate pairs (with a score) and their label: 1 same person, 0 not, NaN unlabelled."""
    pairs = candidates_of(recon)
    pairs = pairs[pairs["person_id"].notna()].reset_index(drop=True)
    status = resolve(recon.match, decisions) if len(decisions) else decisions.assign(cluster=[], status=[])
    live = status[status["status"] != "stale"]
    label = pd.Series(np.nan, index=pairs.index)
    key = list(zip(pairs["cluster"], pairs["person_id"], strict=True))
    position = {k: i for i, k in enumerate(key)}
    by_cluster: dict[int, list[int]] = {}
    for i, cluster in enumerate(pairs["cluster"].astype(int)):
        by_cluster.setdefault(int(cluster), []).append(i)
    answers = zip(live["cluster"].astype(int), live["decision"].astype("str"), live["candidate_id"], strict=True)
    for cluster, decision, candidate in answers:  # in file order: later answers win
        members = by_cluster.get(cluster, [])
        if decision == "same":
            label.iloc[members] = 0.0
            if (cluster, candidate) in position:
                label.iloc[position[(cluster, candidate)]] = 1.0
        elif decision == "different":
            if (cluster, candidate) in position:
                label.iloc[position[(cluster, candidate)]] = 0.0
        else:
            label.iloc[members] = 0.0
    return pairs.assign(label=label, band=pd.cut(pairs["score"].astype(float), BANDS, right=False).astype("str"))


@dataclass
class LabelEvaluation:
    """Precision and recall from labels: per rule, per score band, a threshold sweep and its best thresholds."""

    pairs: pd.DataFrame  # every scored candidate pair, with its label (NaN unlabelled) and weight
    by_rule: pd.DataFrame
    by_band: pd.DataFrame
    sweep: pd.DataFrame  # threshold, precision, recall, f1 (score alone decides)
    auto_link_precision: float
    auto_link_precision_ci: tuple[float, float]
    auto_link_labels: int
    recall: float
    recall_ci: tuple[float, float]
    best_auto_link_threshold: float
    best_review_threshold: float
    target_precision: float
    target_recall: float

    def summary(self) -> pd.DataFrame:
        """The headline figures as one small table."""
        lo, hi = self.auto_link_precision_ci
        rlo, rhi = self.recall_ci
        rows = [
            ("auto-link precision", self.auto_link_precision, lo, hi, self.auto_link_labels),
            ("recall among scored pairs", self.recall, rlo, rhi, int(self.pairs["label"].notna().sum())),
            ("best auto-link threshold", self.best_auto_link_threshold, np.nan, np.nan, np.nan),
            ("best review threshold", self.best_review_threshold, np.nan, np.nan, np.nan),
        ]
        return pd.DataFrame(rows, columns=["figure", "value", "ci_low", "ci_high", "labels"])

    def plot(self, auto_link_threshold: float | None = None, review_threshold: float | None = None) -> Figure:
        """Precision and recall against the threshold, the best thresholds marked (and the configured ones)."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 3.6))
        ax = fig.subplots()
        ax.plot(self.sweep["threshold"], self.sweep["precision"], label="precision")
        ax.plot(self.sweep["threshold"], self.sweep["recall"], label="recall")
        ax.axvline(self.best_auto_link_threshold, color="tab:green", ls="--", label="best auto-link")
        ax.axvline(self.best_review_threshold, color="tab:purple", ls="--", label="best review")
        for value, name in ((auto_link_threshold, "configured auto-link"), (review_threshold, "configured review")):
            if value is not None:
                ax.axvline(value, color="grey", ls=":", label=name)
        ax.set_xlabel("score threshold")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"From {int(self.pairs['label'].notna().sum())} labelled pairs")
        ax.legend(loc="lower left", fontsize=8)
        fig.tight_layout()
        return fig


def _cells(pairs: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per `by` value: auto-link precision (Wilson CI on the labelled auto-links) and estimated recall."""
    rows = []
    for value, group in pairs.groupby(by, sort=True):
        auto = group[group["outcome"] == "auto_link"]
        review = group[group["outcome"] == "review"]
        auto_l, review_l = auto[auto["label"].notna()], review[review["label"].notna()]
        correct = float(auto_l["label"].sum())
        precision = correct / len(auto_l) if len(auto_l) else np.nan
        lo, hi = wilson(correct, len(auto_l))
        same_rate = float(review_l["label"].mean()) if len(review_l) else (0.0 if review.empty else np.nan)
        tp = len(auto) * precision if len(auto) else 0.0
        missed = len(review) * same_rate if len(review) else 0.0
        recall = tp / (tp + missed) if (tp + missed) > 0 else np.nan
        rows.append(
            {
                by: value,
                "auto_links": len(auto),
                "auto_labelled": len(auto_l),
                "precision": precision,
                "precision_low": lo,
                "precision_high": hi,
                "review_items": len(review),
                "review_labelled": len(review_l),
                "review_same": int(review_l["label"].sum()),
                "recall": recall,
            }
        )
    return pd.DataFrame(rows)


def _weights(pairs: pd.DataFrame) -> pd.Series:
    """Each labelled pair stands for the pairs of its (outcome, rule) cell; unlabelled pairs weigh 0."""
    labelled = pairs["label"].notna()
    cell = pairs["outcome"] + "|" + pairs["rule"].astype("str")
    total = cell.map(cell.value_counts())
    seen = cell.map(cell[labelled].value_counts()).fillna(0)
    return (total / seen.where(seen > 0)).where(labelled, 0.0).fillna(0.0)


def _sweep(pairs: pd.DataFrame) -> pd.DataFrame:
    scores = pairs["score"].astype(float).to_numpy()
    w = pairs["weight"].to_numpy()
    y = pairs["label"].fillna(0).to_numpy()
    rows = []
    for t in np.round(np.arange(0.5, 1.0001, 0.01), 2):
        above = scores >= t
        tp, fp = float((w * y * above).sum()), float((w * (1 - y) * above).sum())
        positives = float((w * y).sum())
        precision = tp / (tp + fp) if tp + fp else np.nan
        recall = tp / positives if positives else np.nan
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else np.nan
        rows.append({"threshold": t, "precision": precision, "recall": recall, "f1": f1})
    return pd.DataFrame(rows)


def evaluate_labels(
    recon: Reconciliation, decisions: pd.DataFrame, target_precision: float = 0.99, target_recall: float = 0.995
) -> LabelEvaluation:
    """Precision/recall per rule and per score band, a threshold sweep and the thresholds that would have been best.

    The best auto-link threshold is the lowest whose precision reaches `target_precision`; the best
    review threshold the highest that still keeps `target_recall` of the true matches (pairs below
    it would never reach a human). Decisions whose records changed since are ignored.
    """
    pairs = labelled_pairs(recon, decisions)
    pairs = pairs.assign(weight=_weights(pairs))
    by_rule, by_band = _cells(pairs, "rule"), _cells(pairs, "band")
    sweep = _sweep(pairs)
    auto = pairs[(pairs["outcome"] == "auto_link") & pairs["label"].notna()]
    weighted = auto.groupby("rule").agg(n=("label", "size"), right=("label", "sum"))
    population = pairs[pairs["outcome"] == "auto_link"]["rule"].value_counts()
    share = population.reindex(weighted.index) / population.reindex(weighted.index).sum()
    precision = float((share * weighted["right"] / weighted["n"]).sum()) if len(auto) else float("nan")
    lo, hi = wilson(float(auto["label"].sum()), len(auto))
    if len(auto) and len(auto) == len(population.index.repeat(population)):  # every auto-link labelled: exact
        lo, hi = precision, precision
    elif len(auto):  # the CI of the post-stratified figure: shifted with it
        raw = float(auto["label"].mean())
        lo, hi = max(0.0, lo + precision - raw), min(1.0, hi + precision - raw)
    recall, recall_ci = _recall(pairs, precision, (lo, hi))
    ok = sweep[sweep["precision"] >= target_precision]
    best_auto = float(ok["threshold"].min()) if len(ok) else float("nan")
    keeps = sweep[(sweep["recall"] >= target_recall) & (sweep["threshold"] <= (best_auto if ok.size else 1.0))]
    best_review = float(keeps["threshold"].max()) if len(keeps) else float(sweep["threshold"].min())
    return LabelEvaluation(
        pairs, by_rule, by_band, sweep, precision, (lo, hi), len(auto), recall, recall_ci, best_auto, best_review,
        target_precision, target_recall,
    )  # fmt: skip


def _recall(pairs: pd.DataFrame, precision: float, precision_ci: tuple[float, float]) -> tuple[float, tuple]:
    """Auto-linked true matches over all true matches among scored pairs, with the interval both proportions allow."""
    n_auto = int((pairs["outcome"] == "auto_link").sum())
    review = pairs[pairs["outcome"] == "review"]
    labelled = review[review["label"].notna()]
    same = float(labelled["label"].sum())
    rate = same / len(labelled) if len(labelled) else 0.0
    rate_ci = wilson(same, len(labelled)) if len(labelled) < len(review) else (rate, rate)
    n_review = len(review)

    def value(p: float, r: float) -> float:
        return n_auto * p / (n_auto * p + n_review * r) if n_auto * p + n_review * r > 0 else float("nan")

    return value(precision, rate), (value(precision_ci[0], rate_ci[1]), value(precision_ci[1], rate_ci[0]))


def sample_auto_links(recon: Reconciliation, n: int, seed: int | None = None) -> pd.DataFrame:
    """A uniform random sample of `n` auto-linked clusters, in the review-queue shape (with an empty `decision`)."""
    pairs = candidates_of(recon)
    auto = pairs[pairs["outcome"] == "auto_link"]
    picked = auto.sample(n=min(n, len(auto)), random_state=seed) if len(auto) else auto
    people = recon.match.people
    rows = picked["row"].astype(int).to_numpy()
    return pd.DataFrame(
        {
            "cluster": picked["cluster"].to_numpy(),
            "wc_lead_ids": picked["wc_lead_ids"].to_numpy(),
            "reason": "a random sample of auto-links",
            "candidate_object": picked["person_object"].to_numpy(),
            "candidate_id": picked["person_id"].to_numpy(),
            "matched_object": people["sf_object"].to_numpy(dtype=object)[rows],
            "matched_id": people["sf_id"].to_numpy(dtype=object)[rows],
            "rule": picked["rule"].to_numpy(),
            "score": picked["score"].to_numpy(),
            "explanation": picked["explanation"].to_numpy(),
            "decision": "",
        }
    ).reset_index(drop=True)
