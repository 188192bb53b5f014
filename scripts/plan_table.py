#!/usr/bin/env python3
"""Reads the outputs plan-vs-bench.sh collected and prints predictions against measurements."""
import json, re, sys
from pathlib import Path


def peak_rss_mb(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", Path(path).read_text())
    return int(m.group(1)) * 1024 / 1e6 if m else float("nan")


def main():
    out, count = Path(sys.argv[1]), int(sys.argv[2])
    speed_rows, memory_rows = [], []
    for i in range(1, count + 1):
        plan = json.loads((out / f"{i}.plan.json").read_text())
        bench = {r["test"]: r for r in json.loads((out / f"{i}.bench.json").read_text())}
        name = Path(plan["model"]["path"]).parent.name + "/" + Path(plan["model"]["path"]).name
        s = plan["prediction"]["speed"]
        tg, pp = bench["tg128"], bench["pp512"]
        err = lambda predicted, measured: f"{100 * (predicted - measured) / measured:+.0f}%"
        speed_rows.append(
            f"| {name} | {s['decodeBytesPerToken'] / 1e6:.0f} MB | {s['rooflineDecodeTokensPerSecond']:.1f} "
            f"| **{s['decodeTokensPerSecond']:.1f}** | {tg['tps']:.1f} ± {tg['sd']:.1f} "
            f"| {err(s['rooflineDecodeTokensPerSecond'], tg['tps'])} | **{err(s['decodeTokensPerSecond'], tg['tps'])}** "
            f"| {s['prefillTokensPerSecond']:.0f} | {pp['tps']:.0f} ± {pp['sd']:.0f} | {err(s['prefillTokensPerSecond'], pp['tps'])} |")
        m = plan["memory"]
        memory_rows.append(
            f"| {name} | {m['stored'] / 1e6:.0f} MB | {m['ruleOfThumb'] / 1e6:.0f} MB | {m['tern'] / 1e6:.0f} MB "
            f"| {peak_rss_mb(out / f'{i}.generate.time'):.0f} MB | {peak_rss_mb(out / f'{i}.bench.time'):.0f} MB |")
    print("| model | read per token | roofline t/s | predicted t/s | tg128 t/s | roofline error | prediction error "
          "| predicted pp512 | pp512 | error |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(speed_rows))
    print()
    print("| model | weights as stored | 1.2 × stored | Tern's packed weights | peak RSS, generate 128 | peak RSS, bench |")
    print("|---|---|---|---|---|---|")
    print("\n".join(memory_rows))
    machine = json.loads((out / "1.plan.json").read_text())["prediction"]["machine"]
    print()
    print(f"machine: {machine['cpu']}, {machine['threads']} threads, {machine['isa']} kernels; streaming read "
          f"{machine['bandwidth'] / 1e9:.1f} GB/s, int8 {machine['int8OpsPerSecond'] / 1e9:.0f} GOP/s, "
          f"F32 {machine['f32FlopsPerSecond'] / 1e9:.0f} GFLOP/s; decode kernels "
          + ", ".join(f"{k} " + "/".join(f"{v / 1e9:.0f}" for v in vs) for k, vs in sorted(machine["decodeBandwidth"].items()))
          + " GB/s at rows of 128/512/2048/8192")


if __name__ == "__main__":
    main()
