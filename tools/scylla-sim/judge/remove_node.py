"""Runs the reference scylla-driver (Python) against one scylla-sim node in tablets mode,
then removes that node through the sim's control port (`GET /remove/HOST`) and reports how
the driver reacted to the REMOVED_NODE event: the host left its metadata and the tablets
naming it were dropped. A new Cluster on the removed node cannot connect.

Usage: python remove_node.py --host 127.0.0.47 --port 9447 --control 127.0.0.47:PORT
                             [--keyspace sim_remove_driver] [--requests 500]
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
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.policies import TokenAwarePolicy, RoundRobinPolicy


def control(addr, cmd):
    with urllib.request.urlopen("http://%s/%s" % (addr, cmd), timeout=10) as r:
        return json.loads(r.read().decode())


def learned(cluster, keyspace):
    return len(cluster.metadata._tablets._tablets.get((keyspace, "kv"), []))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.47")
    p.add_argument("--port", type=int, default=9447)
    p.add_argument("--control", required=True)
    p.add_argument("--keyspace", default="sim_remove_driver")
    p.add_argument("--requests", type=int, default=500)
    a = p.parse_args()

    kwargs = {}
    user = os.environ.get("SIM_CQL_USERNAME")
    if user:
        kwargs["auth_provider"] = PlainTextAuthProvider(user, os.environ.get("SIM_CQL_PASSWORD", ""))
    policy = TokenAwarePolicy(RoundRobinPolicy())
    cluster = Cluster(contact_points=[a.host], port=a.port, load_balancing_policy=policy,
                      connect_timeout=5, **kwargs)
    session = cluster.connect()
    session.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % a.keyspace)
    session.execute("CREATE TABLE IF NOT EXISTS %s.kv (k bigint PRIMARY KEY, v text)" % a.keyspace)
    insert = session.prepare("INSERT INTO %s.kv (k, v) VALUES (?, ?)" % a.keyspace)
    for i in range(a.requests):
        session.execute(insert, ((i * 0x9E3779B97F4A7C15) % (1 << 63), "v"))

    hosts_before = [str(h.endpoint) for h in cluster.metadata.all_hosts()]
    tablets_before = learned(cluster, a.keyspace)
    answer = control(a.control, "remove/" + a.host)

    deadline = time.time() + 20
    while time.time() < deadline and cluster.metadata.all_hosts():
        time.sleep(0.1)
    hosts_after = [str(h.endpoint) for h in cluster.metadata.all_hosts()]
    tablets_after = learned(cluster, a.keyspace)
    cluster.shutdown()

    again = Cluster(contact_points=[a.host], port=a.port, connect_timeout=3, **kwargs)
    try:
        again.connect()
        reconnect = "connected"
    except NoHostAvailable:
        reconnect = "no_host_available"
    except Exception as e:  # noqa: BLE001 - report whatever else happened
        reconnect = "other: %r" % e
    finally:
        again.shutdown()

    result = {
        "hosts_before": hosts_before,
        "tablets_before": tablets_before,
        "remove_answer": answer,
        "hosts_after": hosts_after,
        "tablets_after": tablets_after,
        "reconnect": reconnect,
    }
    for k in ("hosts_before", "tablets_before", "remove_answer", "hosts_after", "tablets_after", "reconnect"):
        print(k, result[k])
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
