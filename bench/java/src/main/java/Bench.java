import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Java driver 4.x on the workloads of driver-bench (bench/src/main.rs): one workload, one
 * session per process, running one case after the other for the concurrencies given (the JIT's
 * work is shared); prints the same tab-separated line per case (allocations are not counted: "-").
 *
 * <p>usage: Bench &lt;insert|select|batch|paged&gt; &lt;CONCURRENCY:REQUESTS,...&gt; [HOST:PORT]
 *
 * <p>Without HOST:PORT: Cassandra at $BENCH_CASSANDRA_HOST (default 127.0.0.1) port 9042,
 * cassandra/cassandra. With it: the canned responder in its own process, no authentication.
 *
 * <p>Warm-up: the workload runs unmeasured in one-second windows until the JIT is quiet (less
 * than $BENCH_JVM_QUIET_MS, default 20, milliseconds of compilation in the last window), at least
 * $BENCH_JVM_WARMUP_MIN (default 5) seconds at the busiest
 * concurrency up to 64 before the cases, then at least 1 at each case's concurrency, at
 * most $BENCH_JVM_WARMUP_MAX (default 40). Each warm-up is reported on a "warmup" line. CPU per request is the whole process's (every thread:
 * the driver's, the JIT compilers', the garbage collector's) over the measured requests.
 */
public final class Bench {
  private static final int KEYS = 10_000;
  private static final int PAGED_ROWS = 10_000;
  private static final String PAGED_QUERY = "SELECT k, v FROM bench.paged WHERE p = 0";

  /** One request of the workload, the i-th. */
  private interface Op {
    CompletionStage<?> run(int i);
  }

  public static void main(String[] args) throws Exception {
    String workload = args[0];
    String[] cases = args[1].split(",");
    String server = args.length > 2 ? "responder-proc" : "cassandra";
    DriverConfigLoader config =
        DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .build();
    CqlSessionBuilder b =
        CqlSession.builder().withConfigLoader(config).withLocalDatacenter("datacenter1");
    if (args.length > 2) {
      int colon = args[2].lastIndexOf(':');
      b.addContactPoint(
          new InetSocketAddress(
              args[2].substring(0, colon), Integer.parseInt(args[2].substring(colon + 1))));
    } else {
      String host = System.getenv().getOrDefault("BENCH_CASSANDRA_HOST", "127.0.0.1");
      b.addContactPoint(new InetSocketAddress(host, 9042))
          .withAuthCredentials("cassandra", "cassandra");
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (CqlSession s = b.build()) {
      Op op = op(s, workload);
      // The first warm-up at the busiest concurrency up to 64, where the JIT sees the most
      // requests (at 1 in flight it goes quiet before the hot paths are compiled).
      int warmConc = 1;
      for (String c : cases) {
        warmConc = Math.max(warmConc, Math.min(64, Integer.parseInt(c.split(":")[0])));
      }
      warmUp(op, warmConc, workload, true);
      for (String c : cases) {
        int concurrency = Integer.parseInt(c.split(":")[0]);
        int requests = Integer.parseInt(c.split(":")[1]);
        warmUp(op, concurrency, workload, false);
        long[] lat = new long[requests];
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        runAll(op, concurrency, requests, Long.MAX_VALUE, lat);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double cpuUs = (os.getProcessCpuTime() - cpu0) / 1e3 / requests;
        Arrays.sort(lat);
        System.out.printf(
            "java\t%s\t%d\t%d\t%.0f\t%d\t%d\t%d\t%.1f\t-\t%s%n",
            workload,
            concurrency,
            requests,
            requests / elapsed,
            q(lat, 0.5),
            q(lat, 0.99),
            q(lat, 0.999),
            cpuUs,
            server);
        System.out.flush();
      }
    }
  }

  private static long q(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
  }

  private static long env(String name, long dflt) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? dflt : Long.parseLong(v);
  }

  /** Unmeasured one-second windows until the JIT is quiet (see the class comment). */
  private static void warmUp(Op op, int concurrency, String workload, boolean first)
      throws Exception {
    long min = first ? env("BENCH_JVM_WARMUP_MIN", 5) : 1;
    long max = env("BENCH_JVM_WARMUP_MAX", 40);
    long quietMs = env("BENCH_JVM_QUIET_MS", 20);
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long start = System.nanoTime();
    long lastJit = jit.getTotalCompilationTime();
    long windowJit;
    int windows = 0;
    double seconds;
    do {
      runAll(op, concurrency, Integer.MAX_VALUE, System.nanoTime() + 1_000_000_000L, null);
      long now = jit.getTotalCompilationTime();
      windowJit = now - lastJit;
      lastJit = now;
      windows++;
      seconds = (System.nanoTime() - start) / 1e9;
    } while (seconds < max && (seconds < min || windowJit >= quietMs));
    // warmup, driver, workload, concurrency, seconds, JIT ms in the last window, JIT ms in all
    System.out.printf(
        "warmup\tjava\t%s\t%d\t%.1f\t%d\t%d%n",
        workload, concurrency, seconds, windowJit, lastJit);
  }

  /**
   * Runs requests 0.. with `concurrency` in flight until `requests` have run or the deadline
   * (System.nanoTime) has passed; records each latency in µs into `lat` when given.
   */
  private static void runAll(Op op, int concurrency, int requests, long deadline, long[] lat)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(concurrency);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int w = 0; w < concurrency; w++) {
      CompletableFuture.runAsync(() -> step(op, next, requests, deadline, lat, done, failure));
    }
    done.await();
    if (failure.get() != null) {
      throw new RuntimeException("request failed", failure.get());
    }
  }

  /** One worker's next request; on its completion the worker takes the next one. */
  private static void step(
      Op op,
      AtomicInteger next,
      int requests,
      long deadline,
      long[] lat,
      CountDownLatch done,
      AtomicReference<Throwable> failure) {
    int i = next.getAndIncrement();
    if (i >= requests || failure.get() != null || System.nanoTime() > deadline) {
      done.countDown();
      return;
    }
    long t = System.nanoTime();
    op.run(i)
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              } else if (lat != null) {
                lat[i] = (System.nanoTime() - t) / 1000;
              }
              step(op, next, requests, deadline, lat, done, failure);
            });
  }

  private static Op op(CqlSession s, String workload) {
    switch (workload) {
      case "insert":
        {
          PreparedStatement ins = s.prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)");
          return i -> s.executeAsync(ins.bind(i % KEYS, "value"));
        }
      case "select":
        {
          PreparedStatement sel = s.prepare("SELECT v FROM bench.kv WHERE k = ?");
          return i ->
              s.executeAsync(sel.bind(i % KEYS))
                  .thenApply(
                      rs -> {
                        Row r = rs.one();
                        if (r == null || r.getString(0).isEmpty()) {
                          throw new IllegalStateException("no value");
                        }
                        return r;
                      });
        }
      case "batch":
        {
          PreparedStatement ins = s.prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)");
          return i -> {
            int k = i % KEYS;
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
            for (int j = 0; j < 10; j++) {
              batch.addStatement(ins.bind((k * 10 + j) % KEYS, "value"));
            }
            return s.executeAsync(batch.build());
          };
        }
      default:
        {
          SimpleStatement st = SimpleStatement.newInstance(PAGED_QUERY).setPageSize(1000);
          return i -> s.executeAsync(st).thenCompose(rs -> pages(rs, 0));
        }
    }
  }

  /** Reads the rows of this page and the next ones as (int, text); checks the row count. */
  private static CompletionStage<Integer> pages(AsyncResultSet rs, int before) {
    int n = before;
    for (Row r : rs.currentPage()) {
      r.getInt(0);
      r.getString(1);
      n++;
    }
    if (rs.hasMorePages()) {
      int sofar = n;
      return rs.fetchNextPage().thenCompose(next -> pages(next, sofar));
    }
    if (n != PAGED_ROWS) {
      throw new IllegalStateException("rows: " + n);
    }
    return CompletableFuture.completedFuture(n);
  }
}
