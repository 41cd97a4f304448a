// gocql on the workloads of driver-bench (scripts/bench).
module driverbench/gocql

go 1.22

// The peer we measure: gocql, the most used Go driver for Cassandra (newest v1).
require github.com/gocql/gocql v1.7.0

require (
	github.com/golang/snappy v0.0.3 // indirect
	github.com/hailocab/go-hostpool v0.0.0-20160125115350-e80d13ce29ed // indirect
	gopkg.in/inf.v0 v0.9.1 // indirect
)
