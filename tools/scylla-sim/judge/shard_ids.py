"""The reference scylla-driver's token and shard computations, for cross-checking scylla-sim.

  python shard_ids.py shards NR_SHARDS IGNORE_MSB   stdin: one token per line
      prints per line: <pure-Python _ShardingInfo shard> <Cython ShardingInfo shard>
  python shard_ids.py tokens                        stdin: one hex-encoded key per line
      prints per line: the driver's Murmur3Token.hash_fn(key) (cassandra.murmur3.murmur3,
      with i64::MIN mapped to i64::MAX as the driver's token map does)
"""
import sys

from cassandra.metadata import Murmur3Token
from cassandra.shard_info import ShardingInfo, _ShardingInfo


def main():
    mode = sys.argv[1]
    out = []
    if mode == "shards":
        nr, msb = sys.argv[2], sys.argv[3]
        args = ("0", nr, "org.apache.cassandra.dht.Murmur3Partitioner", "biased-token-round-robin", msb,
                "19042", None)
        py, c = _ShardingInfo(*args), ShardingInfo(*args)
        for line in sys.stdin:
            line = line.strip()
            if line:
                t = int(line)
                out.append("%d %d" % (py.shard_id_from_token(t), c.shard_id_from_token(t)))
    elif mode == "tokens":
        for line in sys.stdin:
            out.append(str(Murmur3Token.hash_fn(bytes.fromhex(line.strip()))))
    else:
        sys.exit("unknown mode %s" % mode)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
