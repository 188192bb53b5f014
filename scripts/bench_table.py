#!/usr/bin/env python3
"""Reads the outputs bench-vs-llama-cpp.sh collected and prints Tern against llama.cpp with ratios."""
import argparse, json, re, shlex, statistics, subprocess, time
from pathlib import Path


def llama_bench(path):
    rows = {}
    for r in json.loads(Path(path).read_text()):
        test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
        rows[test] = (r["avg_ts"], r["stddev_ts"])
    return rows


def batched(path, batch):
    for line in Path(path).read_text().splitlines():
        r = json.loads(line)
        if r.get("pl") == batch:
            return r["speed_tg"]  # aggregate decode tokens/s over all sequences
    return None


def peak_rss_mib(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", Path(path).read_text())
    return int(m.group(1)) / 1024 if m else None


def first_token_seconds(command, runs=3):
    """Process start to exit after generating one token, best of `runs`."""
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, check=True)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", nargs="+", required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--first-token", required=True)
    p.add_argument("--first-token-tern", required=True)
    a = p.parse_args()
    d = Path(a.dir)
    print("| test | threads | llama.cpp t/s | Tern t/s | Tern / llama.cpp |")
    print("|---|---|---|---|---|")
    for t in a.threads:
        ours = {r["test"]: (r["tps"], r["sd"]) for r in json.loads((d / f"tern-{t}.json").read_text())}
        theirs = llama_bench(d / f"llama-bench-{t}.json")
        theirs[f"tg128x{a.batch}"] = (batched(d / f"llama-batched-{t}.jsonl", a.batch), 0.0)
        for test in ["pp512", "tg128", f"tg128x{a.batch}"]:
            (lt, lsd), (tt, tsd) = theirs.get(test, (None, 0)), ours.get(test, (None, 0))
            ratio = f"{tt / lt:.2f}" if lt and tt else "—"
            fmt = lambda v, sd: f"{v:.1f} ± {sd:.1f}" if v else "—"  # noqa: E731
            print(f"| {test} | {t} | {fmt(lt, lsd)} | {fmt(tt, tsd)} | {ratio} |")
    lr, tr = peak_rss_mib(d / "llama-rss.txt"), peak_rss_mib(d / "tern-rss.txt")
    print(f"| peak RSS, 128 tokens (MiB) | {a.threads[-1]} | {lr:.0f} | {tr:.0f} | {tr / lr:.2f} |")
    lf, tf = first_token_seconds(a.first_token), first_token_seconds(a.first_token_tern)
    print(f"| start to first token (s) | {a.threads[-1]} | {lf:.2f} | {tf:.2f} | {tf / lf:.2f} |")


if __name__ == "__main__":
    main()
