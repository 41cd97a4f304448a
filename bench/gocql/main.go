// gocql on the workloads of driver-bench (bench/src/main.rs): one workload, one concurrency per
// process; prints the same tab-separated line, allocations per request from the Go runtime's
// count of heap objects allocated (runtime.MemStats.Mallocs).
//
// usage: gocql-bench <insert|select|batch|paged> <concurrency> <requests> [HOST:PORT]
//
// Without HOST:PORT: Cassandra at $BENCH_CASSANDRA_HOST (default 127.0.0.1) port 9042,
// cassandra/cassandra. With it: the canned responder in its own process, no authentication.
// Concurrency = goroutines, each with one request in flight (gocql's API is blocking).
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocql/gocql"
)

const (
	keys       = 10000
	pagedRows  = 10000
	pagedQuery = "SELECT k, v FROM bench.paged WHERE p = 0"
	insert     = "INSERT INTO bench.kv (k, v) VALUES (?, ?)"
	selectKV   = "SELECT v FROM bench.kv WHERE k = ?"
)

func cpuSeconds() float64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		panic(err)
	}
	t := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	return t(r.Utime) + t(r.Stime)
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// request runs the workload's i-th request.
func request(s *gocql.Session, workload string, i int) error {
	k := i % keys
	switch workload {
	case "insert":
		return s.Query(insert, k, "value").Exec()
	case "select":
		var v string
		if err := s.Query(selectKV, k).Scan(&v); err != nil {
			return err
		}
		if v == "" {
			return fmt.Errorf("empty value")
		}
		return nil
	case "batch":
		b := s.NewBatch(gocql.LoggedBatch)
		for j := 0; j < 10; j++ {
			b.Query(insert, (k*10+j)%keys, "value")
		}
		return s.ExecuteBatch(b)
	default:
		it := s.Query(pagedQuery).PageSize(1000).Iter()
		var (
			key int
			v   string
			n   int
		)
		for it.Scan(&key, &v) {
			n++
		}
		if err := it.Close(); err != nil {
			return err
		}
		if n != pagedRows {
			return fmt.Errorf("rows: %d", n)
		}
		return nil
	}
}

// runAll runs requests 0..total with `concurrency` goroutines; records latencies (µs) when lat is
// not nil.
func runAll(s *gocql.Session, workload string, concurrency, total int, lat []int64) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				t := time.Now()
				if err := request(s, workload, i); err != nil {
					fmt.Fprintln(os.Stderr, "request failed:", err)
					os.Exit(1)
				}
				if lat != nil {
					lat[i] = time.Since(t).Microseconds()
				}
			}
		}()
	}
	wg.Wait()
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: gocql-bench <insert|select|batch|paged> <concurrency> <requests> [HOST:PORT]")
		os.Exit(2)
	}
	workload := os.Args[1]
	concurrency, err1 := strconv.Atoi(os.Args[2])
	requests, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "concurrency and requests are numbers")
		os.Exit(2)
	}
	server := "cassandra"
	var cluster *gocql.ClusterConfig
	if len(os.Args) > 4 {
		host, port, err := net.SplitHostPort(os.Args[4])
		if err != nil {
			fmt.Fprintln(os.Stderr, "HOST:PORT:", err)
			os.Exit(2)
		}
		cluster = gocql.NewCluster(host)
		cluster.Port, _ = strconv.Atoi(port)
		server = "responder-proc"
	} else {
		host := os.Getenv("BENCH_CASSANDRA_HOST")
		if host == "" {
			host = "127.0.0.1"
		}
		cluster = gocql.NewCluster(host)
		cluster.Authenticator = gocql.PasswordAuthenticator{Username: "cassandra", Password: "cassandra"}
	}
	cluster.Timeout = 30 * time.Second
	cluster.ConnectTimeout = 30 * time.Second
	s, err := cluster.CreateSession()
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	defer s.Close()
	// Warm-up: a tenth of the requests, not measured (as driver-bench does).
	runAll(s, workload, concurrency, max(requests/10, 1), nil)
	cpu0, m0 := cpuSeconds(), mallocs()
	lat := make([]int64, requests)
	t0 := time.Now()
	runAll(s, workload, concurrency, requests, lat)
	elapsed := time.Since(t0).Seconds()
	cpuUs := (cpuSeconds() - cpu0) * 1e6 / float64(requests)
	allocs := float64(mallocs()-m0) / float64(requests)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	q := func(p float64) int64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("gocql\t%s\t%d\t%d\t%.0f\t%d\t%d\t%d\t%.1f\t%.1f\t%s\n",
		workload, concurrency, requests, float64(requests)/elapsed, q(0.5), q(0.99), q(0.999), cpuUs, allocs, server)
}
