"""Turns the tab-separated lines of driver-bench, python_bench.py and the callgrind step of
scripts/bench into the markdown results table.

usage: report.py <lines file> <cores> <seconds> <load before> <load after> [rounds]

With several rounds, each (server, workload, concurrency, driver) keeps its round with the
highest req/s: on a shared machine the best round is the least disturbed one.
"""
import collections
import sys

ORDER = ["insert", "select", "batch", "paged", "doc_insert", "doc_get"]


def main():
    path, cores, seconds, load0, load1 = sys.argv[1:6]
    rounds = sys.argv[6] if len(sys.argv) > 6 else "1"
    by = collections.defaultdict(dict)
    ir = {}
    # The Java driver's warm-ups: (workload, concurrency, seconds, JIT ms in the last window).
    warmups = []
    # Which driver ran first in each case, over every round: the order must rotate.
    firsts = collections.Counter()
    pos = None
    # The ends of the run's parts: (part, seconds since the start).
    phases = []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if f[0] == "phase" and len(f) == 3:
            phases.append((f[1], int(f[2])))
            continue
        if f[0] == "pos" and len(f) == 2:
            pos = int(f[1])
            continue
        if f[0] == "warmup" and len(f) == 7:
            warmups.append((f[2], f[3], float(f[4]), int(f[5])))
            continue
        if f[0] == "ir" and len(f) == 5:
            ir[(f[1], f[2])] = float(f[4])
            continue
        if len(f) == 10:
            f.append("cassandra")
        if len(f) != 11:
            continue
        d, w, c, n, rps, p50, p99, p999, cpu, al, server = f
        new = dict(n=n, rps=float(rps), p50=p50, p99=p99, p999=p999, cpu=float(cpu), al=al, pos=pos)
        if pos == 1:
            firsts[(server, d)] += 1
        pos = None
        old = by[(server, w, int(c))].get(d)
        if old is None or new["rps"] > old["rps"]:
            by[(server, w, int(c))][d] = new

    print(f"# Driver benchmark, {cores} cores ({seconds} s for the whole scripts/bench run)\n")
    print(f"Machine load average (1 min) before the run: {load0}; after: {load1}. The machine is shared.\n")
    if phases:
        parts, last = [], 0
        for name, end in phases:
            parts.append(f"{name} {end - last} s")
            last = end
        print("Time by part: " + "; ".join(parts) + ".\n")
    print("Each driver, workload and concurrency runs in its own process after a warm-up of a tenth of")
    print(f"the request count, {rounds} round(s) (ours and the peers alternating); the table shows each")
    print("case's round with the highest req/s. `requests` is the measured count. Throughput ratio > 1 and CPU ratio < 1")
    print("favour ours. CPU = client process CPU (user+sys, getrusage) per request, warm-up included;")
    print("allocs = calls to alloc/realloc per request (counting global allocator, Rust drivers only).")
    print("Workloads: insert = prepared INSERT of (int, text); select = prepared SELECT by primary key")
    print("(one text column); batch = LOGGED batch of 10 prepared inserts; paged = SELECT of one")
    print("10,000-row partition, page size 1000, every row deserialized as (int, text).")
    print("`ran` = the driver's place in its case's order in the round shown (1 = first); the order")
    print("rotates from case to case.\n")

    summary(by, ir)

    def table(server, peers):
        drivers = ["ours", "ours-v4"] + peers
        counts = ", ".join(
            f"{d} {firsts[(server, d)]}" for d in drivers if any(k[0] == server and d in by[k] for k in by)
        )
        print(f"Cases in which each driver ran first, over all rounds: {counts}.\n")
        print("| workload | conc | driver | ran | requests | req/s | p50 µs | p99 µs | p999 µs | CPU µs/req | allocs/req | ours÷peer req/s | ours÷peer CPU |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        keys = [k for k in by if k[0] == server]
        for key in sorted(keys, key=lambda k: (ORDER.index(k[1]), k[2])):
            _, w, c = key
            ds = by[key]
            o = ds.get("ours")
            for d in ["ours", "ours-v4"] + peers:
                if d not in ds:
                    continue
                r = ds[d]
                ratio = cpu_ratio = ""
                if o and d not in ("ours", "ours-v4"):
                    ratio = f"{o['rps'] / r['rps']:.2f}"
                    cpu_ratio = f"{o['cpu'] / r['cpu']:.2f}" if r["cpu"] else ""
                    v4 = ds.get("ours-v4")
                    if v4 and d == "scylla":
                        ratio += f" (v4: {v4['rps'] / r['rps']:.2f})"
                        cpu_ratio += f" (v4: {v4['cpu'] / r['cpu']:.2f})" if r["cpu"] else ""
                print(
                    f"| {w} | {c} | {d} | {r['pos'] or ''} | {r['n']} | {r['rps']:.0f} | {r['p50']} | {r['p99']} | "
                    f"{r['p999']} | {r['cpu']:.1f} | {r['al']} | {ratio} | {cpu_ratio} |"
                )

    if any(k[0] == "cassandra" for k in by):
        print("## Against Cassandra\n")
        print("One local Cassandra node (scripts/cassandra) on the same machine, so server and client")
        print("share the 2 cores: these figures are mostly server-bound. `ours` negotiates protocol v5")
        print("with Cassandra 5; `ours-v4` is our driver pinned to v4, the only version the scylla crate")
        print("and the Python driver speak here; the scylla rows give both ratios.\n")
        table("cassandra", ["scylla", "java", "gocql", "python"])
    if any(k[0] == "responder" for k in by):
        print("\n## Client-bound: in-process canned CQL responder\n")
        print("The server is a minimal protocol v4/v5 responder (bench/src/responder.rs, on its own thread")
        print("in the client process) answering every request at once with pre-encoded responses. Its")
        print("thread's CPU time and allocations are subtracted, so CPU and allocs are the driver's;")
        print("req/s is still limited by the responder sharing the 2 cores. `ours` negotiates v5 with it,")
        print("`ours-v4` is pinned to v4 like the scylla crate; the scylla rows give both ratios.\n")
        table("responder", ["scylla"])
    if any(k[0] == "responder-proc" for k in by):
        print("\n## Client-bound against the Python driver: the responder in its own process\n")
        print("The same canned responder as its own process (`driver-bench responder-server`), so that")
        print("the Python driver meets the server the Rust drivers meet; ours (v5) and the Python driver")
        print("(libev, execute_async callbacks, schema and token metadata off) in turn. CPU is the whole")
        print("client process. At 1 in flight both wait on the loopback round trip between two processes.\n")
        table("responder-proc", ["java", "gocql", "python"])
    if any(k[0] == "arango" for k in by):
        print("\n## ArangoDB: our client vs python-arango-async\n")
        print("Against the in-memory ArangoDB stand-in (tools/arango-testserver, its own process on the")
        print("same machine; HTTP/1.1, basic auth). doc_insert = insert of a small JSON document;")
        print("doc_get = read of one document by key. python-arango-async on asyncio (aiohttp);")
        print("concurrency = asyncio tasks / Rust tasks with a request in flight.\n")
        table("arango", ["python", "arangojs"])
    if warmups:
        secs = [w[2] for w in warmups]
        print("\n## The Java driver's warm-up\n")
        print("Before its first case each JVM runs its workload unmeasured in one-second windows until")
        print("the JIT compiled for less than 20 ms in a window (at least 5 s, at most BENCH_JVM_WARMUP_MAX),")
        print("then at least 1 s at each case's concurrency. Its CPU per request is the whole JVM's over the")
        print("measured requests: driver, JIT compiler and garbage collector threads included.")
        print(f"Warm-ups here: {min(secs):.1f} to {max(secs):.1f} s.\n")
        print("| workload | conc | warm-up s | JIT ms in the last window |")
        print("|---|---|---|---|")
        for w, c, sec, jit in warmups:
            print(f"| {w} | {c} | {sec:.1f} | {jit} |")
    if ir:
        print("\n## Instructions per request (client-bound, valgrind callgrind)\n")
        print("Instructions executed by the client threads (responder thread excluded) per request,")
        print("from the difference between two runs of different lengths (setup cancels out),")
        print("concurrency 64.\n")
        print("| workload | ours Ir/req | scylla Ir/req | ours÷scylla |")
        print("|---|---|---|---|")
        for w in ORDER:
            o, s = ir.get(("ours", w)), ir.get(("scylla", w))
            if o is None or s is None:
                continue
            print(f"| {w} | {o:.0f} | {s:.0f} | {o / s:.2f} |")


PEERS = ["scylla", "java", "gocql", "python"]


def summary(by, ir):
    """The one table of ours against every peer, client-bound: scylla against the in-process
    responder (both in one process with it, its thread subtracted), the others against the
    responder in its own process (ours measured the same way beside them)."""
    if not any(k[0] in ("responder", "responder-proc") for k in by):
        return
    print("## Summary: ours against every peer, client-bound\n")
    print("**Goal: client-bound, fewer instructions and less CPU per request than every peer at every")
    print("concurrency, and throughput at least every peer's** (ratios ours÷peer: CPU < 1, req/s ≥ 1).")
    print("scylla is compared in-process (in-process responder, responder thread subtracted; Ir from")
    print("callgrind at 64 in flight); Java, gocql and Python against the responder in its own process,")
    print("with ours measured there too. Instructions are counted for the Rust drivers only.\n")
    head = "| workload | conc | ours CPU µs/req (in-proc / own-proc) | ours req/s (in-proc / own-proc) |"
    sep = "|---|---|---|---|"
    for d in PEERS:
        head += f" {d} CPU µs/req | {d} req/s | ours÷{d} CPU | ours÷{d} req/s |"
        sep += "---|---|---|---|"
    print(head + " ours÷scylla Ir |")
    print(sep + "---|")
    keys = sorted({(k[1], k[2]) for k in by if k[0] in ("responder", "responder-proc")},
                  key=lambda k: (ORDER.index(k[0]), k[1]))
    for w, c in keys:
        inproc, proc = by.get(("responder", w, c), {}), by.get(("responder-proc", w, c), {})
        oi, op = inproc.get("ours"), proc.get("ours")
        fmt = lambda r, k, f: (f % r[k]) if r else "-"  # noqa: E731
        row = f"| {w} | {c} | {fmt(oi, 'cpu', '%.1f')} / {fmt(op, 'cpu', '%.1f')} | {fmt(oi, 'rps', '%.0f')} / {fmt(op, 'rps', '%.0f')} |"
        for d in PEERS:
            src, o = (inproc, oi) if d == "scylla" else (proc, op)
            r = src.get(d)
            cr = f"{o['cpu'] / r['cpu']:.2f}" if r and o and r["cpu"] else "-"
            tr = f"{o['rps'] / r['rps']:.2f}" if r and o and r["rps"] else "-"
            row += f" {fmt(r, 'cpu', '%.1f')} | {fmt(r, 'rps', '%.0f')} | {cr} | {tr} |"
        o_ir, s_ir = ir.get(("ours", w)), ir.get(("scylla", w))
        row += f" {o_ir / s_ir:.2f} |" if o_ir and s_ir and c == 64 else " |"
        print(row)
    print()


if __name__ == "__main__":
    main()
