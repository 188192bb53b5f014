#!/usr/bin/env python3
"""Load test for an OpenAI-compatible server (tern serve, llama.cpp's server, ...).

N concurrent clients send R requests in all (alternating chat and raw completions, greedy, a few
tokens each) and the script reports: answered / refused (429, 503) / failed, throughput, latency
percentiles, the server's peak RSS (sampled from /proc when --pid is given), and the number of
calls in a Tern trace database (--traces), which must equal the number of requests that reached
the model (answered, or refused by its queue limit: a refused call is traced with its error).

    scripts/load_test.py --url http://127.0.0.1:8080/v1 --clients 32 --requests 200 --pid PID --traces FILE
"""
import argparse
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", default="gemma3-270m")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--traces")
    args = ap.parse_args()

    before = None
    if args.traces:
        before = sqlite3.connect(args.traces).execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    lock = threading.Lock()
    next_index = [0]
    results = []  # (status, seconds, completion_tokens)
    peak = [0]
    done = threading.Event()

    def sampler():
        while not done.is_set():
            r = rss_kib(args.pid) if args.pid else None
            if r:
                peak[0] = max(peak[0], r)
            time.sleep(0.05)

    def client():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= args.requests:
                return
            if i % 2 == 0:
                path, body = "/chat/completions", {"messages": [{"role": "user", "content": f"Request {i}: say a number."}]}
            else:
                path, body = "/completions", {"prompt": f"Request {i}: the number is"}
            body.update({"model": args.model, "max_tokens": args.max_tokens, "temperature": 0})
            req = urllib.request.Request(args.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            start = time.time()
            try:
                with urllib.request.urlopen(req, timeout=600) as r:
                    answer = json.loads(r.read())
                    status, tokens = r.status, answer.get("usage", {}).get("completion_tokens", 0)
            except urllib.error.HTTPError as e:
                status, tokens = e.code, 0
            except Exception as e:  # connection reset, timeout: a failure
                status, tokens = f"error: {e}", 0
            with lock:
                results.append((status, time.time() - start, tokens))

    threading.Thread(target=sampler, daemon=True).start()
    t0 = time.time()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    done.set()

    ok = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] in (429, 503)]
    failed = [r for r in results if r[0] != 200 and r[0] not in (429, 503)]
    lat = sorted(r[1] for r in ok)

    def pct(p):
        return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] if lat else float("nan")

    report = {
        "requests": len(results), "answered": len(ok), "refused": len(refused), "failed": len(failed),
        "failures": sorted({str(r[0]) for r in failed}),
        "wall_s": round(wall, 2), "requests_per_s": round(len(ok) / wall, 2),
        "generated_tokens_per_s": round(sum(r[2] for r in ok) / wall, 1),
        "latency_p50_s": round(pct(0.5), 3), "latency_p95_s": round(pct(0.95), 3),
        "peak_rss_mib": round(peak[0] / 1024) if peak[0] else None,
    }
    if args.traces:
        after = sqlite3.connect(args.traces).execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        report["traced_calls"] = after - before
    print(json.dumps(report))
    ok_traces = not args.traces or report["traced_calls"] == len(ok) + len(refused)
    raise SystemExit(0 if not failed and ok_traces else 1)


if __name__ == "__main__":
    main()
