"""Output parity: the same worlds reconciled by a reference git revision and by this working tree, compared.

An engine change (speed, memory) must change no output: `links.csv`, every plan CSV and every report CSV
(the review queue among them) must be the same bytes. Worlds (snapshots cached under bench-data/parity/,
so both revisions read the same files): classic seed 7 and `mess="outside"` seed 100, 2,000 people each,
and the 100,000-person benchmark world (bench-data/world-100000, `--big`).

    .venv/bin/python benchmarks/parity.py          # the two small worlds, against the last main merged here
    .venv/bin/python benchmarks/parity.py --big    # and the 100,000-person world

The reference revision is exported with `git archive` into bench-data/parity/src-<sha>/ and run with
that tree first on PYTHONPATH; its outputs are cached per commit (out-<sha>/). The working tree's are
written afresh (out-work-<checkout>/) from a copy of its package taken at the start
(src-work-<checkout>/), so editing on while the worlds run changes nothing. Prints per world the
files that differ and how many rows differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench-data" / "parity"
SMALL = {"classic-7-2000": (2000, 7, "classic"), "outside-100-2000": (2000, 100, "outside")}
BIG = {"world-100000": ROOT / "bench-data" / "world-100000"}


def world_folder(name: str) -> Path:
    """The snapshot folder of a parity world, generated once (parquet) for the small ones."""
    if name in BIG:
        return BIG[name]
    folder = CACHE / "worlds" / name
    if not (folder / "manifest.json").exists():
        from wcsf_recon.synth import generate_world, write_world

        persons, seed, mess = SMALL[name]
        write_world(generate_world(persons, seed=seed, mess=mess), folder, fmt="parquet")
    return folder


def dump(names: list[str], out: Path) -> None:
    """Reconcile each world with the importable wcsf_recon and write its CSV outputs under `out/<world>/`."""
    import wcsf_recon
    from wcsf_recon import Config, read_snapshot, reconcile

    print(f"wcsf_recon from {Path(wcsf_recon.__file__).parent}", flush=True)
    for name in names:
        snap = read_snapshot(world_folder(name))
        start = time.perf_counter()
        recon = reconcile(snap, Config())
        wall = time.perf_counter() - start
        recon.write(out / name, workbook=False)
        stages = {k: round(v, 2) for k, v in recon.timings.items()}
        print(f"  {name}: reconcile {wall:.2f} s {json.dumps(stages)}", flush=True)


def _rows_differing(a: Path, b: Path) -> str:
    import pandas as pd

    left = pd.read_csv(a, dtype="str", keep_default_na=False)
    right = pd.read_csv(b, dtype="str", keep_default_na=False)
    if list(left.columns) != list(right.columns):
        return f"columns differ: {sorted(set(left.columns) ^ set(right.columns))}"
    both = left.merge(right, how="outer", indicator=True)
    only_ref = int((both["_merge"] == "left_only").sum())
    only_new = int((both["_merge"] == "right_only").sum())
    return f"{len(left):,} vs {len(right):,} rows; {only_ref:,} only in the reference, {only_new:,} only in the new"


def compare(names: list[str], ref: Path, new: Path) -> bool:
    """Byte-compare every CSV (and the learned weights) per world; say how many rows differ where not equal."""
    same = True
    for name in names:
        files = sorted(
            {p.relative_to(ref / name) for p in (ref / name).rglob("*.csv")}
            | {p.relative_to(new / name) for p in (new / name).rglob("*.csv")}
        )
        files.append(Path("match_model.json"))
        diffs = []
        for rel in files:
            a, b = ref / name / rel, new / name / rel
            if not a.exists() or not b.exists():
                diffs.append(f"{rel}: only in {'the new' if b.exists() else 'the reference'}")
            elif a.read_bytes() != b.read_bytes():
                diffs.append(f"{rel}: " + (_rows_differing(a, b) if rel.suffix == ".csv" else "differs"))
        same &= not diffs
        print(f"{name}: {'identical' if not diffs else 'DIFFERENT'} ({len(files)} files)")
        for line in diffs:
            print(f"    {line}")
    return same


def _export(rev: str) -> tuple[str, Path]:
    sha = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, check=True, capture_output=True, text=True)
    sha_text = sha.stdout.strip()[:12]
    src = CACHE / f"src-{sha_text}"
    if not (src / "wcsf_recon").exists():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha_text], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    return sha_text, src


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--ref", help="reference git revision (default: the last main merged here, `git merge-base HEAD main`)"
    )
    parser.add_argument("--big", action="store_true", help="also the 100,000-person world")
    parser.add_argument("--only-big", action="store_true", help="only the 100,000-person world")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("worlds", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.worlds, args.dump)
        return
    names = [] if args.only_big else list(SMALL)
    if args.big or args.only_big:
        names += list(BIG)
    for name in names:
        world_folder(name)
    # a copy of the working tree's package, so editing on while the worlds run changes nothing midway
    # named after the checkout: worktrees share bench-data/, and two runs must not write one folder
    work = CACHE / f"src-work-{ROOT.name}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "wcsf_recon", work / "wcsf_recon", ignore=shutil.ignore_patterns("__pycache__"))
    ref = (
        args.ref
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    sha, src = _export(ref)
    ref_out = CACHE / f"out-{sha}"
    missing = [n for n in names if not (ref_out / n / "links.csv").exists()]
    if missing:
        print(f"reference {ref} ({sha}):", flush=True)
        env = {**os.environ, "PYTHONPATH": str(src)}
        subprocess.run([sys.executable, __file__, "--dump", str(ref_out), *missing], env=env, check=True)
    new_out = CACHE / f"out-work-{ROOT.name}"
    print("working tree:", flush=True)
    env = {**os.environ, "PYTHONPATH": str(work)}
    subprocess.run([sys.executable, __file__, "--dump", str(new_out), *names], env=env, check=True)
    raise SystemExit(0 if compare(names, ref_out, new_out) else 1)


if __name__ == "__main__":
    main()
