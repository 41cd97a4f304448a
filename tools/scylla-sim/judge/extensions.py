"""Checks of the optional Scylla extensions and of bad/fallback configurations of scylla-sim,
as seen by the reference Python scylla-driver. Uses only the two INSERT statements of
reference.py plus one conditional UPDATE.

Usage: python extensions.py MODE --host H --port P --control IP:PORT
  MODE lwt       : prints whether the driver flags the prepared statements as LWT
  MODE ratelimit : runs 1000 EXECUTEs, counts RateLimitReached errors
  MODE fallback  : runs 1000 EXECUTEs (sim without usable shard-aware port), prints pool and
                   sim figures
  MODE bad       : connects to a sim advertising nonsense sharding info, runs 100 EXECUTEs,
                   prints what the driver made of it (or the error)
Prints one JSON line `RESULT {...}` last.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

from cassandra import RateLimitReached
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster

KS = "sim_extensions"


def control(addr, cmd):
    with urllib.request.urlopen("http://%s/%s" % (addr, cmd), timeout=10) as r:
        return json.loads(r.read().decode())


def connect(a):
    kwargs = {"connect_timeout": 5, "control_connection_timeout": 5}
    if os.environ.get("SIM_CQL_USERNAME"):
        kwargs["auth_provider"] = PlainTextAuthProvider(os.environ["SIM_CQL_USERNAME"],
                                                        os.environ.get("SIM_CQL_PASSWORD", ""))
    cluster = Cluster(contact_points=[a.host], port=a.port, **kwargs)
    session = cluster.connect()
    session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % KS)
    session.execute("CREATE TABLE IF NOT EXISTS %s.single (k bigint PRIMARY KEY, v text)" % KS)
    return cluster, session


def settle(cluster, secs=5):
    deadline = time.time() + secs
    while time.time() < deadline:
        s = cluster.shard_aware_stats()
        if s and all(v["shards_count"] == v["connected"] for v in s.values()):
            return
        time.sleep(0.2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--host", default="127.0.0.44")
    p.add_argument("--port", type=int, default=9042)
    p.add_argument("--control", default="127.0.0.44:9100")
    a = p.parse_args()
    result = {"mode": a.mode}
    try:
        cluster, session = connect(a)
    except Exception as e:  # the bad-input modes report, not crash
        result["connect_error"] = repr(e)
        print("RESULT " + json.dumps(result))
        return 0
    insert = session.prepare("INSERT INTO %s.single (k, v) VALUES (?, ?)" % KS)
    if a.mode == "lwt":
        cas = session.prepare("UPDATE %s.single SET v = ? WHERE k = ? IF v = ?" % KS)
        result["insert_is_lwt"] = insert.is_lwt()
        result["update_if_is_lwt"] = cas.is_lwt()
    elif a.mode == "ratelimit":
        control(a.control, "reset")
        limited, ok, other = 0, 0, []
        for i in range(1000):
            try:
                session.execute(insert, (i, "v"))
                ok += 1
            except RateLimitReached as e:
                limited += 1
                result["op_type"] = e.op_type.name
                result["rejected_by_coordinator"] = e.rejected_by_coordinator
            except Exception as e:
                other.append(repr(e))
        result.update(ok=ok, rate_limited=limited, other_errors=other[:3],
                      sim_rate_limited=control(a.control, "stats")["rate_limited"])
    elif a.mode in ("fallback", "bad"):
        settle(cluster, 8 if a.mode == "fallback" else 3)
        control(a.control, "reset")
        n = 1000 if a.mode == "fallback" else 100
        errors = []
        for i in range(n):
            try:
                session.execute(insert, (i * 7919, "v"))
            except Exception as e:
                errors.append(repr(e))
        stats = control(a.control, "stats")
        host = next(iter(cluster.metadata.all_hosts()))
        result.update(
            is_shard_aware=cluster.is_shard_aware(),
            shard_aware_stats=cluster.shard_aware_stats(),
            host_shards_count=host.sharding_info.shards_count if host.sharding_info else None,
            errors=len(errors), first_errors=errors[:3],
            routed_requests=stats["routed_requests"], right_shard=stats["right_shard"],
            wrong_shard=stats["wrong_shard"],
            connections=[c for c in stats["connections"] if c["open"] > 0])
    else:
        sys.exit("unknown mode " + a.mode)
    for k, v in result.items():
        print(k, json.dumps(v))
    print("RESULT " + json.dumps(result))
    cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
