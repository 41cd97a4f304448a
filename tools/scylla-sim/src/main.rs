//! The `scylla-sim` binary: parses flags, starts the listeners, runs until killed.

use scylla_sim::config::{Config, USAGE};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let cfg = match Config::parse(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scylla-sim: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sim = match scylla_sim::server::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("scylla-sim: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    for b in &sim.shared.cfg.backends {
        eprintln!("scylla-sim: node {} -> backend {}", b.listen, b.backend);
    }
    if let Some(c) = sim.control {
        eprintln!("scylla-sim: control on {c}");
    }
    std::future::pending::<()>().await;
}
