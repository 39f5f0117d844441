"""Normalization throughput on 1,000,000 mixed-format phones and emails, on one core.

Run: .venv/bin/python benchmarks/bench_normalize.py [--n 1000000]
Prints the machine, then phones/s and emails/s (every value distinct-ish: the cache helps little).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pyarrow as pa

from wcsf_recon.normalize import normalize_emails, normalize_phones
from wcsf_recon.synth.corpus import email_corpus, phone_corpus


def machine() -> str:
    """One line describing where the figures come from."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    pa.set_cpu_count(1)  # one core, as the target says
    pa.set_io_thread_count(1)
    print(f"machine: {machine()}")
    phones = phone_corpus(args.n, seed=2024)
    emails = email_corpus(args.n, seed=2024)
    print(f"phones: {args.n:,} values, {phones['text'].nunique():,} distinct")

    start = time.perf_counter()
    out = normalize_phones(phones["text"], phones["region"])
    took = time.perf_counter() - start
    print(f"normalize_phones: {took:.2f} s, {args.n / took:,.0f} phones/s, valid {out['e164'].notna().mean():.1%}")

    start = time.perf_counter()
    out = normalize_emails(emails)
    took = time.perf_counter() - start
    print(f"normalize_emails: {took:.2f} s, {args.n / took:,.0f} emails/s, valid {out['email'].notna().mean():.1%}")


if __name__ == "__main__":
    main()
