"""Deterministic cost per request of ours and the scylla crate: callgrind instructions and
allocation calls, client-bound against the in-process responder (`scripts/bench --counts`).

For each workload and driver, `driver-bench <driver> <workload> <conc> <n> responder` runs
under valgrind callgrind twice, for two request counts, with one tokio worker thread
(BENCH_WORKER_THREADS=1: the same schedule every run) and the exact allocation total on stderr
(BENCH_RAW_COUNTS=1), counting from 3 s after connecting (BENCH_SETTLE_MS: the drivers'
background connection work is over by then). Instructions of the client threads (every thread but the responder's) and
allocations are divided by the difference in requests (warm-up of a tenth included), so
connection setup and runtime start-up cancel out. Two valgrind runs go at once (two cores).

Prints one line per case: counts, driver, workload, concurrency, instructions/request,
allocations/request.

usage: counts.py <driver-bench binary> [concurrency] [workload,workload...]
"""
import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

WORKLOADS = ["insert", "select", "batch", "paged"]
DRIVERS = ["ours", "scylla"]
# Ours only: the object mapper against the same statements by hand (mapper-insert against
# insert-same, the insert from the same owned row; mapper-select against select-same, the
# statement the mapper's get prepares; the typed stream of every page of 10,000 rows against
# the same through #[derive(DeserializeRow)]).
OURS_ONLY = ["insert-same", "mapper-insert", "select-same", "mapper-select", "derive-stream", "mapper-stream"]
# Two request counts per workload: long enough that a run's setup is a small part, short enough
# that the whole mode takes a few minutes under valgrind.
COUNTS = {"insert": (1000, 5000), "select": (1000, 5000), "batch": (500, 2500), "paged": (20, 60),
          "insert-same": (1000, 5000), "mapper-insert": (1000, 5000),
          "select-same": (1000, 5000), "mapper-select": (1000, 5000),
          "derive-stream": (5, 15), "mapper-stream": (5, 15)}


def one_run(binary, driver, workload, conc, n):
    """(client instructions, requests run, allocations) of one run under callgrind."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        env = dict(os.environ, BENCH_WORKER_THREADS="1", BENCH_RAW_COUNTS="1", BENCH_SETTLE_MS="3000")
        p = subprocess.run(
            ["valgrind", "--tool=callgrind", "--fair-sched=yes", "--separate-threads=yes", f"--callgrind-out-file={out}",
             binary, driver, workload, str(conc), str(n), "responder"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        )
        raw = [line.split("\t") for line in p.stderr.splitlines() if line.startswith("raw\t")]
        if len(raw) != 1:
            raise SystemExit(f"counts.py: no allocation total from {driver} {workload}")
        requests, allocs = int(raw[0][1]), int(raw[0][2])
        total = 0
        for f in glob.glob(out + "-*"):
            text = open(f, errors="replace").read()
            if "responder::serve" in text:
                continue
            for line in text.splitlines():
                if line.startswith("totals:"):
                    total += int(line.split()[1])
        return total, requests, allocs


def main():
    binary = sys.argv[1]
    conc = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    cases = [(d, w) for w in WORKLOADS for d in DRIVERS] + [("ours", w) for w in OURS_ONLY]
    cases = [(d, w) for d, w in cases if d in DRIVERS]
    if len(sys.argv) > 3:
        only = sys.argv[3].split(",")
        cases = [(d, w) for d, w in cases if w in only]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = {
            (d, w, n): pool.submit(one_run, binary, d, w, conc, n)
            for d, w in cases for n in COUNTS[w]
        }
        for d, w in cases:
            n1, n2 = COUNTS[w]
            ir1, r1, a1 = runs[(d, w, n1)].result()
            ir2, r2, a2 = runs[(d, w, n2)].result()
            print(f"counts\t{d}\t{w}\t{conc}\t{(ir2 - ir1) / (r2 - r1):.0f}\t{(a2 - a1) / (r2 - r1):.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
