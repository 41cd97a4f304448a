"""Runs the reference scylla-driver (Python) against scylla-sim and reports whether the sim
looks like a sharded Scylla node to it: shard awareness detected, one connection per shard
through the shard-aware port, and how many token-aware EXECUTEs arrived on the wrong shard.

Usage: python reference.py [--host 127.0.0.44] [--port 9042] [--control 127.0.0.44:9100]
                           [--requests 10000] [--keyspace sim_reference]
Credentials, if the backend requires them: env SIM_CQL_USERNAME / SIM_CQL_PASSWORD.
Prints `key value` lines and, last, one JSON line `RESULT {...}` for tests.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, ShardAwareOptions
from cassandra.policies import TokenAwarePolicy, RoundRobinPolicy


def control(addr, cmd):
    with urllib.request.urlopen("http://%s/%s" % (addr, cmd), timeout=10) as r:
        return json.loads(r.read().decode())


def create(session, ks):
    session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % ks)
    session.execute("CREATE TABLE IF NOT EXISTS %s.kv (k int, c text, v text, PRIMARY KEY ((k, c)))" % ks)
    session.execute("CREATE TABLE IF NOT EXISTS %s.single (k bigint PRIMARY KEY, v text)" % ks)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.44")
    p.add_argument("--port", type=int, default=9042)
    p.add_argument("--control", default="127.0.0.44:9100")
    p.add_argument("--requests", type=int, default=10000)
    p.add_argument("--keyspace", default="sim_reference")
    p.add_argument("--disable-shard-awareness", action="store_true",
                   help="negative control: the driver ignores shards, so wrong_shard must be > 0")
    a = p.parse_args()

    kwargs = {}
    user = os.environ.get("SIM_CQL_USERNAME")
    if user:
        kwargs["auth_provider"] = PlainTextAuthProvider(user, os.environ.get("SIM_CQL_PASSWORD", ""))
    if a.disable_shard_awareness:
        kwargs["shard_aware_options"] = ShardAwareOptions(disable=True)
    cluster = Cluster(contact_points=[a.host], port=a.port,
                      load_balancing_policy=TokenAwarePolicy(RoundRobinPolicy()), **kwargs)
    session = cluster.connect()
    create(session, a.keyspace)
    single = session.prepare("INSERT INTO %s.single (k, v) VALUES (?, ?)" % a.keyspace)
    composite = session.prepare("INSERT INTO %s.kv (v, k, c) VALUES (?, ?, ?)" % a.keyspace)

    # Wait until the pool has one connection per shard (opened in the background).
    deadline = time.time() + (3 if a.disable_shard_awareness else 20)
    while time.time() < deadline:
        stats = cluster.shard_aware_stats()
        if stats and all(s["shards_count"] == s["connected"] for s in stats.values()):
            break
        time.sleep(0.2)

    control(a.control, "reset")
    n = a.requests
    futures = []
    for i in range(n):
        if i % 2 == 0:
            futures.append(session.execute_async(single, (i * 7919, "v%d" % i)))
        else:
            futures.append(session.execute_async(composite, ("v%d" % i, i, "c%d" % (i % 13))))
        if len(futures) >= 200:
            for f in futures:
                f.result()
            futures = []
    for f in futures:
        f.result()
    stats = control(a.control, "stats")

    host = next(iter(cluster.metadata.all_hosts()))
    shard_stats = cluster.shard_aware_stats()
    conns = [c for c in stats["connections"] if c["open"] > 0]
    result = {
        "is_shard_aware": cluster.is_shard_aware(),
        "shard_aware_stats": shard_stats,
        "host_address": str(host.endpoint.address),
        "hosts": sorted(str(h.endpoint) for h in cluster.metadata.all_hosts()),
        "host_shards_count": host.sharding_info.shards_count if host.sharding_info else None,
        "requests": n,
        "requests_total": stats["requests_total"],
        "routed_requests": stats["routed_requests"],
        "right_shard": stats["right_shard"],
        "wrong_shard": stats["wrong_shard"],
        "connections": conns,
        "nodes": stats["nodes"],
    }
    print("is_shard_aware", result["is_shard_aware"])
    print("shard_aware_stats", json.dumps(shard_stats))
    print("host_address", result["host_address"])
    print("hosts", " ".join(result["hosts"]))
    for c in conns:
        print("connection", c["node"], c["shard"], c["port_kind"], c["open"])
    for k in ("requests", "requests_total", "routed_requests", "right_shard", "wrong_shard"):
        print(k, result[k])
    print("RESULT " + json.dumps(result))
    cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
