"""The reference Python driver (scylla-driver) on the same workloads as src/main.rs.

Prints the same tab-separated line. Uses the libev event loop when the driver was built with
it (the fastest available), else asyncio/asyncore; requests are kept `concurrency` in flight
with execute_async callbacks (the mechanism execute_concurrent uses).

usage: python_bench.py <workload> <concurrency> <requests> [HOST:PORT]
Without HOST:PORT: the Cassandra at $BENCH_CASSANDRA_HOST (default 127.0.0.1) port 9042,
cassandra/cassandra. With it: the
canned responder of src/responder.rs in its own process (`driver-bench responder-server`), no
authentication, and schema and token metadata off (the responder serves no schema)."""
import os
import resource
import sys
import threading
import time

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, BatchType, SimpleStatement

try:
    from cassandra.io.libevreactor import LibevConnection as Conn
except Exception:  # noqa: BLE001 - fall back to the default reactor
    Conn = None

KEYS = 10_000


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    workload, concurrency, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kw = {"connection_class": Conn} if Conn else {}
    server = "cassandra"
    if len(sys.argv) > 4:
        host, port = sys.argv[4].rsplit(":", 1)
        server = "responder-proc"
        cluster = Cluster([host], port=int(port), schema_metadata_enabled=False,
                          token_metadata_enabled=False, **kw)
    else:
        host = os.environ.get("BENCH_CASSANDRA_HOST") or "127.0.0.1"
        cluster = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"), **kw)
    s = cluster.connect()
    ins = s.prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)")
    sel = s.prepare("SELECT v FROM bench.kv WHERE k = ?")

    def make(i):
        k = i % KEYS
        if workload == "insert":
            return ins, (k, "value")
        if workload == "select":
            return sel, (k,)
        if workload == "batch":
            b = BatchStatement(batch_type=BatchType.LOGGED)
            for j in range(10):
                b.add(ins, ((k * 10 + j) % KEYS, "value"))
            return b, None
        return SimpleStatement("SELECT k, v FROM bench.paged WHERE p = 0", fetch_size=1000), None

    def run(total, lat):
        lock = threading.Lock()
        done = threading.Event()
        state = {"next": 0, "finished": 0}

        def start_one():
            with lock:
                i = state["next"]
                if i >= total:
                    return
                state["next"] += 1
            stmt, params = make(i)
            t = time.perf_counter()
            f = s.execute_async(stmt, params)

            def ok(rows, f=f, t=t):
                if workload == "paged":
                    if f.has_more_pages:
                        f.start_fetching_next_page()
                        return
                finish(t)

            f.add_callbacks(ok, lambda e: (print("error", e, file=sys.stderr), finish(t)))

        def finish(t):
            if lat is not None:
                lat.append(time.perf_counter() - t)
            with lock:
                state["finished"] += 1
                if state["finished"] >= total:
                    done.set()
                    return
            start_one()

        for _ in range(min(concurrency, total)):
            start_one()
        done.wait()

    run(max(requests // 10, 1), None)
    c0 = cpu()
    lat = []
    t0 = time.perf_counter()
    run(requests, lat)
    el = time.perf_counter() - t0
    cpu_us = (cpu() - c0) * 1e6 / requests
    lat.sort()
    q = lambda p: int(lat[min(len(lat) - 1, int(p * len(lat)))] * 1e6)
    print(f"python\t{workload}\t{concurrency}\t{requests}\t{requests / el:.0f}\t{q(0.5)}\t{q(0.99)}\t{q(0.999)}\t{cpu_us:.1f}\t-\t{server}")
    cluster.shutdown()


if __name__ == "__main__":
    main()
