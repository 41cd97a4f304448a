"""Reads a named graph back with python-arango-async: its definition, every vertex and edge,
a sample through the graph API, the edges of some vertices, and a 2-hop traversal.

Prints one JSON value per line, each tagged:
  PROPS      the graph document (GET /_api/gharial/{g})
  DEFS       edge_definitions() as the reference client formats them
  VCOLS      vertex_collections(); ECOLS edge_collections()
  VERTICES   every vertex of every vertex collection, sorted by _id (AQL full scans)
  EDGES      every edge, sorted by _id
  SAMPLE     {id: document} for SAMPLE_IDS read one by one through the graph API
  EDGES_OF   {vertex id: sorted outbound edge keys} through /_api/edges
  TWO_HOP    sorted keys of `FOR v IN 2..2 OUTBOUND START GRAPH g RETURN v._key`
  REFUSED    [HTTP status, errorNum] of a malformed definition, an edge to a missing vertex,
             an edge from a collection outside the definition, an unknown graph

Usage: graph_read.py URL ROOT_PASSWORD DB GRAPH START SAMPLE_IDS(comma-separated)
"""
import asyncio
import json
import sys

from arangoasync import ArangoClient
from arangoasync.auth import Auth
from arangoasync.exceptions import DocumentInsertError, GraphCreateError, GraphPropertiesError


async def scan(db, coll):
    cursor = await db.aql.execute("FOR d IN @@c RETURN d", bind_vars={"@c": coll}, batch_size=500)
    out = []
    async with cursor:
        async for d in cursor:
            out.append(d)
    return out


async def main(url, password, db_name, graph_name, start, sample_ids):
    async with ArangoClient(hosts=url) as client:
        db = await client.db(db_name, auth=Auth("root", password), verify=True)
        assert await db.has_graph(graph_name)
        g = db.graph(graph_name)
        props = await g.properties()
        print("PROPS " + json.dumps(dict(props.items())))
        print("DEFS " + json.dumps(await g.edge_definitions()))
        vcols = await g.vertex_collections()
        ecols = await g.edge_collections()
        print("VCOLS " + json.dumps(vcols))
        print("ECOLS " + json.dumps(ecols))
        vertices = []
        for c in vcols:
            vertices.extend(await scan(db, c))
        edges = []
        for c in ecols:
            edges.extend(await scan(db, c))
        print("VERTICES " + json.dumps(sorted(vertices, key=lambda d: d["_id"])))
        print("EDGES " + json.dumps(sorted(edges, key=lambda d: d["_id"])))
        sample = {}
        for i in sample_ids:
            coll = i.split("/", 1)[0]
            if coll in ecols:
                sample[i] = await g.edge(i)
            else:
                sample[i] = await g.vertex(i)
        print("SAMPLE " + json.dumps(sample))
        edges_of = {}
        for i in sample_ids:
            if i.split("/", 1)[0] in vcols:
                got = await g.edge_collection(ecols[0]).edges(i, direction="out")
                edges_of[i] = sorted(e["_key"] for e in got["edges"])
        print("EDGES_OF " + json.dumps(edges_of))
        cursor = await db.aql.execute(
            "FOR v IN 2..2 OUTBOUND @s GRAPH @g RETURN v._key",
            bind_vars={"s": start, "g": graph_name},
        )
        keys = []
        async with cursor:
            async for k in cursor:
                keys.append(k)
        print("TWO_HOP " + json.dumps(sorted(keys)))

        refused = {}
        try:
            await db.create_graph("bad", edge_definitions=[{"collection": "x", "from": [], "to": ["y"]}])
        except GraphCreateError as e:
            refused["malformed"] = [e.http_code, e.error_code]
        first = (await g.edge_definitions())[0]
        from_c = first["from_vertex_collections"][0]
        to_c = first["to_vertex_collections"][0]
        try:
            await g.insert_edge(ecols[0], {"_from": from_c + "/nope", "_to": to_c + "/nope"})
        except DocumentInsertError as e:
            refused["missing_vertex"] = [e.http_code, e.error_code]
        try:
            await g.insert_edge(ecols[0], {"_from": "elsewhere/1", "_to": to_c + "/x"})
        except DocumentInsertError as e:
            refused["foreign_collection"] = [e.http_code, e.error_code]
        try:
            await db.graph("no_such_graph").properties()
        except GraphPropertiesError as e:
            refused["no_graph"] = [e.http_code, e.error_code]
        print("REFUSED " + json.dumps(refused))
    print("OK")


if __name__ == "__main__":
    a = sys.argv
    asyncio.run(main(a[1], a[2], a[3], a[4], a[5], a[6].split(",")))
