"""Checks the test server with the reference Python driver (scylla-driver), the way our users
connect: PlainTextAuthProvider with the right password works, a wrong one raises its
authentication error. Usage: python reference_client_check.py [HOST]"""
import sys

from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"

cluster = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
session = cluster.connect()
row = session.execute("SELECT release_version FROM system.local").one()
print(f"connected as cassandra to {host}: release_version = {row.release_version}, "
      f"protocol v{cluster.protocol_version}")
cluster.shutdown()

bad = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "not-the-password"))
try:
    bad.connect()
except NoHostAvailable as e:
    errors = list(e.errors.values())
    assert errors and all(isinstance(x, AuthenticationFailed) for x in errors), errors
    print(f"wrong password rejected: {type(errors[0]).__name__}: {errors[0]}")
else:
    sys.exit("wrong password was accepted")
finally:
    bad.shutdown()
