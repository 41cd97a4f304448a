"""The cross-check models in the reference cqlengine, and what the Rust test asks of them.

Usage: cqlengine_check.py COMMAND HOST KEYSPACE
  sync   sync_type / sync_table every model (schema management allowed)
  write  write the fixed rows through the models
  read   read the rows the Rust mapper wrote and say, field by field, whether each equals
         the value this script would have written ("equal NAME" / "differs NAME ...")
  query  run the QuerySet queries and print their rows, one JSON list a line

The same models are in crates/cql/tests/integration/mapper/cross_check.rs; the values below
are the inputs both sides write.
"""

import datetime
import decimal
import json
import os
import sys
import uuid

os.environ["CQLENG_ALLOW_SCHEMA_MANAGEMENT"] = "1"

from cassandra.auth import PlainTextAuthProvider  # noqa: E402
from cassandra.cqlengine import columns, connection, management  # noqa: E402
from cassandra.cqlengine.models import Model  # noqa: E402
from cassandra.cqlengine.usertype import UserType  # noqa: E402
from cassandra.util import Duration  # noqa: E402


class Address(UserType):
    __type_name__ = "address"
    street = columns.Text()
    zip = columns.Integer()
    tags = columns.List(columns.Text)


class Event(Model):
    __table_name__ = "events"
    __options__ = {"comment": "mapper events"}
    tenant = columns.Text(partition_key=True)
    day = columns.Integer(partition_key=True)
    at = columns.BigInt(primary_key=True, clustering_order="DESC")
    seq = columns.Integer(primary_key=True)
    owner = columns.Text(static=True)
    kind = columns.Text(index=True)
    body = columns.Text(db_field="body_text")
    score = columns.Double()


class Kitchen(Model):
    __table_name__ = "kitchen"
    id = columns.UUID(partition_key=True)
    c_timeuuid = columns.TimeUUID()
    c_ascii = columns.Ascii()
    c_bigint = columns.BigInt()
    c_blob = columns.Blob()
    c_boolean = columns.Boolean()
    c_date = columns.Date()
    c_decimal = columns.Decimal()
    c_double = columns.Double()
    c_duration = columns.Duration()
    c_float = columns.Float()
    c_inet = columns.Inet()
    c_int = columns.Integer()
    c_smallint = columns.SmallInt()
    c_tinyint = columns.TinyInt()
    c_text = columns.Text()
    c_time = columns.Time()
    c_timestamp = columns.DateTime()
    c_varint = columns.VarInt()
    c_list = columns.List(columns.Integer)
    c_set = columns.Set(columns.Text)
    c_map = columns.Map(columns.Text, columns.BigInt)
    c_tuple = columns.Tuple(columns.Integer, columns.Text, columns.Boolean)
    c_udt = columns.UserDefinedType(Address)


class Hits(Model):
    __table_name__ = "page_hits"
    page = columns.Text(partition_key=True)
    hits = columns.Counter()
    bytes = columns.Counter()


class Ephemeral(Model):
    __table_name__ = "ephemeral"
    __options__ = {
        "default_time_to_live": 3600,
        "gc_grace_seconds": 7200,
        "compaction": {"class": "LeveledCompactionStrategy"},
    }
    id = columns.Integer(partition_key=True)
    note = columns.Text()
    labels = columns.Set(columns.Text, index=True)


MODELS = [Event, Kitchen, Hits, Ephemeral]


def kitchen_values():
    return dict(
        c_timeuuid=uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
        c_ascii="ascii",
        c_bigint=-9000000000,
        c_blob=b"\x00\x01\xff",
        c_boolean=True,
        c_date=datetime.date(2024, 2, 29),
        c_decimal=decimal.Decimal("-12.345"),
        c_double=1.5,
        c_duration=Duration(1, 2, 3),
        c_float=-0.25,
        c_inet="::1",
        c_int=2147483647,
        c_smallint=-3,
        c_tinyint=-1,
        c_text="h\u00e9llo",
        c_time=datetime.time(1, 2, 3),
        c_timestamp=datetime.datetime(2023, 11, 14, 22, 13, 20),
        c_varint=1 << 40,
        c_list=[3, 1, 2, 3],
        c_set={"x", "y"},
        c_map={"k": 7},
        c_tuple=(1, "t", False),
        c_udt=Address(street="Main", zip=1234, tags=["b", "a"]),
    )


def event_rows():
    for day in (1, 2):
        for at in range(5):
            for seq in range(2):
                yield dict(
                    tenant="acme",
                    day=day,
                    at=at,
                    seq=seq,
                    kind="even" if at % 2 == 0 else "odd",
                    body="acme/%d/%d/%d" % (day, at, seq),
                    score=seq / 2.0,
                )


def write():
    for e in event_rows():
        Event.create(**e)
    Kitchen.create(id=uuid.UUID(int=1), **kitchen_values())
    for _ in range(3):
        Hits.objects(page="home").update(hits=1, bytes=100)
    Ephemeral.create(id=1, note="n", labels={"l1", "l2"})


def normal(v):
    """A value as the script compares it (cqlengine reads some types as other classes)."""
    if isinstance(v, Address):
        return ("Address", v.street, v.zip, list(v.tags or []))
    if hasattr(v, "time") and type(v).__name__ == "Time":
        return v.time()
    if type(v).__name__ == "Date":
        return v.date()
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    if isinstance(v, (list, tuple)):
        return [normal(x) for x in v]
    if isinstance(v, dict):
        return sorted((k, normal(x)) for k, x in v.items())
    return v


def compare(prefix, want, row):
    for name, value in want.items():
        got = getattr(row, name)
        if normal(got) == normal(value):
            print("equal %s.%s" % (prefix, name))
        else:
            print("differs %s.%s %r %r" % (prefix, name, got, value))


def read():
    k = Kitchen.objects(id=uuid.UUID(int=2)).get()
    compare("kitchen", kitchen_values(), k)
    for e in event_rows():
        row = Event.objects(tenant=e["tenant"], day=e["day"], at=e["at"], seq=e["seq"]).get()
        compare("event/%d/%d/%d" % (e["day"], e["at"], e["seq"]), e, row)
    h = Hits.objects(page="home").get()
    compare("hits", {"hits": 3, "bytes": 300}, h)
    eph = Ephemeral.objects(id=1).get()
    compare("ephemeral", {"note": "n", "labels": {"l1", "l2"}}, eph)


def keys(rows):
    return [[r.day, r.at, r.seq] for r in rows]


def query():
    base = Event.objects(tenant="acme", day=1)
    print(json.dumps(keys(base)))
    print(json.dumps(keys(base.filter(at__gte=1, at__lt=4).order_by("at", "-seq").limit(4))))
    print(json.dumps(keys(Event.objects(tenant="acme", day__in=[1, 2]).filter(at=3))))
    print(json.dumps(sorted(keys(Event.objects.filter(score__gt=0.4).allow_filtering()))))
    print(json.dumps(sorted(keys(Event.objects.filter(kind="odd")))))
    print(json.dumps(keys(Event.objects.filter(score__gt=0.4).allow_filtering().limit(3))))


def main():
    command, host, ks = sys.argv[1:4]
    connection.setup(
        [host],
        ks,
        protocol_version=4,
        auth_provider=PlainTextAuthProvider("cassandra", "cassandra"),
    )
    if command == "sync":
        management.sync_type(ks, Address)
        for m in MODELS:
            management.sync_table(m)
    elif command == "write":
        write()
    elif command == "read":
        read()
    elif command == "query":
        query()
    else:
        raise SystemExit("unknown command %r" % command)
    sys.stdout.flush()
    # The driver's threads are not waited for.
    os._exit(0)


if __name__ == "__main__":
    main()
