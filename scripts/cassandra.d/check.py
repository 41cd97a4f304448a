"""Readiness probe for scripts/cassandra: exits 0 when HOST accepts an authenticated CQL session
as the default superuser and answers a query. Uses the reference Python driver."""
import sys

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.policies import WhiteListRoundRobinPolicy

host = sys.argv[1]
cluster = Cluster(
    [host],
    auth_provider=PlainTextAuthProvider("cassandra", "cassandra"),
    load_balancing_policy=WhiteListRoundRobinPolicy([host]),
    connect_timeout=3,
    control_connection_timeout=3,
)
try:
    session = cluster.connect()
    session.execute("SELECT release_version FROM system.local", timeout=5).one()
finally:
    cluster.shutdown()
