"""Runs the reference scylla-driver (Python) against scylla-sim in tablets mode and reports
whether the driver learns the sim's tablets from the `tablets-routing-v1` payload: after a
warm-up, its token-aware EXECUTEs should reach each tablet's replica shard (tablet hits).

Usage: python tablets.py [--host 127.0.0.47] [--port 9042] [--control 127.0.0.47:9100]
                         [--keyspace sim_tablets] [--warmup 1000] [--requests 10000]
                         [--negative-control] [--ignore-tablets]
--negative-control: RoundRobinPolicy and the driver's shard awareness off.
--ignore-tablets: the driver does not negotiate TABLETS_ROUTING_V1 (it routes by the
vnode ring and the biased-token shard only).
Credentials: env SIM_CQL_USERNAME / SIM_CQL_PASSWORD.
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
from cassandra.protocol_features import ProtocolFeatures


def control(addr, cmd):
    with urllib.request.urlopen("http://%s/%s" % (addr, cmd), timeout=10) as r:
        return json.loads(r.read().decode())


def run(session, stmt, start, n):
    futures = []
    for i in range(start, start + n):
        # Spread keys over the whole ring (every tablet).
        k = (i * 0x9E3779B97F4A7C15) % (1 << 63)
        futures.append(session.execute_async(stmt, (k, "v%d" % i)))
        if len(futures) >= 100:
            for f in futures:
                f.result()
            futures = []
    for f in futures:
        f.result()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.47")
    p.add_argument("--port", type=int, default=9042)
    p.add_argument("--control", default="127.0.0.47:9100")
    p.add_argument("--keyspace", default="sim_tablets")
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--requests", type=int, default=10000)
    p.add_argument("--negative-control", action="store_true")
    p.add_argument("--ignore-tablets", action="store_true")
    a = p.parse_args()

    if a.ignore_tablets:
        ProtocolFeatures.parse_tablets_info = staticmethod(lambda options: False)
    kwargs = {}
    user = os.environ.get("SIM_CQL_USERNAME")
    if user:
        kwargs["auth_provider"] = PlainTextAuthProvider(user, os.environ.get("SIM_CQL_PASSWORD", ""))
    if a.negative_control:
        kwargs["shard_aware_options"] = ShardAwareOptions(disable=True)
        policy = RoundRobinPolicy()
    else:
        policy = TokenAwarePolicy(RoundRobinPolicy())
    cluster = Cluster(contact_points=[a.host], port=a.port, load_balancing_policy=policy, **kwargs)
    session = cluster.connect()
    session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % a.keyspace)
    session.execute("CREATE TABLE IF NOT EXISTS %s.kv (k bigint PRIMARY KEY, v text)" % a.keyspace)
    insert = session.prepare("INSERT INTO %s.kv (k, v) VALUES (?, ?)" % a.keyspace)

    # Wait until the pool has one connection per shard (opened in the background).
    deadline = time.time() + (3 if a.negative_control else 20)
    while time.time() < deadline:
        stats = cluster.shard_aware_stats()
        if stats and all(s["shards_count"] == s["connected"] for s in stats.values()):
            break
        time.sleep(0.2)

    control(a.control, "reset")
    run(session, insert, 0, a.warmup)
    warm = control(a.control, "stats")
    tablets = cluster.metadata._tablets._tablets.get((a.keyspace, "kv"), [])
    control(a.control, "reset")
    run(session, insert, a.warmup, a.requests)
    stats = control(a.control, "stats")

    host = next(iter(cluster.metadata.all_hosts()))
    pool = session._pools.get(host)
    result = {
        "supports_tablet_routing": bool(pool and pool.supports_tablet_routing),
        "host_id": str(host.host_id),
        "learned_tablets": len(tablets),
        "learned": [[t.first_token, t.last_token, [[str(h), s] for h, s in t.replicas]] for t in tablets],
        "warmup_tablet_hits": warm["tablet_hits"],
        "warmup_tablet_misses": warm["tablet_misses"],
        "requests": a.requests,
        "routed_requests": stats["routed_requests"],
        "tablet_hits": stats["tablet_hits"],
        "tablet_misses": stats["tablet_misses"],
        "right_shard": stats["right_shard"],
        "wrong_shard": stats["wrong_shard"],
        "shard_aware_stats": cluster.shard_aware_stats(),
    }
    for k in ("supports_tablet_routing", "host_id", "learned_tablets", "warmup_tablet_hits", "warmup_tablet_misses", "requests",
              "routed_requests", "tablet_hits", "tablet_misses", "right_shard", "wrong_shard"):
        print(k, result[k])
    print("RESULT " + json.dumps(result))
    cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
