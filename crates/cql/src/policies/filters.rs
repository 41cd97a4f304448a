//! Rack-aware round robin, and a filter over any policy.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::{HostDistance, LoadBalancingPolicy, RequestInfo, rotate};
use crate::metadata::{ClusterMetadata, Host};

/// Round robin over the nodes of the local rack first, then the other nodes of the local data
/// center, then up to `used_hosts_per_remote_dc` nodes of each other data center.
#[derive(Debug)]
pub struct RackAwareRoundRobinPolicy {
    local_dc: Option<String>,
    local_rack: String,
    used_hosts_per_remote_dc: usize,
    next_rack: AtomicUsize,
    next_dc: AtomicUsize,
}

impl RackAwareRoundRobinPolicy {
    /// `local_dc`: `None` takes the data center of the first node the session connected to.
    pub fn new(
        local_dc: Option<String>,
        local_rack: impl Into<String>,
        used_hosts_per_remote_dc: usize,
    ) -> Self {
        RackAwareRoundRobinPolicy {
            local_dc,
            local_rack: local_rack.into(),
            used_hosts_per_remote_dc,
            next_rack: AtomicUsize::new(0),
            next_dc: AtomicUsize::new(0),
        }
    }

    fn dc_policy(&self) -> super::DcAwareRoundRobinPolicy {
        super::DcAwareRoundRobinPolicy::new(self.local_dc.clone(), self.used_hosts_per_remote_dc)
    }
}

impl LoadBalancingPolicy for RackAwareRoundRobinPolicy {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        self.dc_policy().distance(host, cluster)
    }

    fn query_plan(&self, _: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let dc = self.dc_policy();
        let mut rack = Vec::new();
        let mut local = Vec::new();
        let mut remote = Vec::new();
        for h in cluster.hosts().iter().filter(|h| h.is_up()) {
            match dc.distance(h, cluster) {
                HostDistance::Local if h.rack() == Some(self.local_rack.as_str()) => {
                    rack.push(Arc::clone(h));
                }
                HostDistance::Local => local.push(Arc::clone(h)),
                HostDistance::Remote => remote.push(Arc::clone(h)),
                _ => {}
            }
        }
        rotate(&mut rack, &self.next_rack);
        rotate(&mut local, &self.next_dc);
        rack.extend(local);
        rack.extend(remote);
        rack
    }
}

/// Only nodes for which `filter` is true are ever used (others are `Ignored`); the wrapped
/// policy orders them. [`super::WhiteListPolicy`] is the case of a fixed address list.
pub struct HostFilterPolicy<P> {
    child: P,
    filter: Box<dyn Fn(&Host) -> bool + Send + Sync>,
}

impl<P: std::fmt::Debug> std::fmt::Debug for HostFilterPolicy<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFilterPolicy")
            .field("child", &self.child)
            .finish_non_exhaustive()
    }
}

impl<P: LoadBalancingPolicy> HostFilterPolicy<P> {
    /// Uses the nodes `filter` accepts, ordered by `child`.
    pub fn new(child: P, filter: impl Fn(&Host) -> bool + Send + Sync + 'static) -> Self {
        HostFilterPolicy {
            child,
            filter: Box::new(filter),
        }
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for HostFilterPolicy<P> {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        if (self.filter)(host) {
            self.child.distance(host, cluster)
        } else {
            HostDistance::Ignored
        }
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = self.child.query_plan(request, cluster);
        plan.retain(|h| (self.filter)(h));
        plan
    }

    fn on_attempt(
        &self,
        host: std::net::SocketAddr,
        latency: std::time::Duration,
        result: Result<(), &crate::Error>,
    ) {
        self.child.on_attempt(host, latency, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::SocketAddr;

    fn host(last: u8, dc: &str, rack: &str) -> Arc<Host> {
        let addr: SocketAddr = format!("127.0.0.{last}:9042").parse().expect("addr");
        Arc::new(Host::new(addr).with_datacenter(dc).with_rack(rack))
    }

    fn cluster() -> ClusterMetadata {
        ClusterMetadata::new(
            None,
            None,
            vec![
                host(1, "dc1", "r1"),
                host(2, "dc1", "r2"),
                host(3, "dc1", "r1"),
                host(4, "dc2", "r1"),
                host(5, "dc2", "r2"),
            ],
            HashMap::new(),
            Some("dc1".into()),
        )
    }

    fn last_octets(plan: &[Arc<Host>]) -> Vec<u8> {
        plan.iter()
            .map(|h| match h.address().ip() {
                std::net::IpAddr::V4(ip) => ip.octets()[3],
                std::net::IpAddr::V6(_) => 0,
            })
            .collect()
    }

    #[test]
    fn rack_aware_orders_local_rack_then_local_dc_then_remote() {
        let c = cluster();
        let p = RackAwareRoundRobinPolicy::new(None, "r1", 1);
        let first = last_octets(&p.query_plan(&RequestInfo::default(), &c));
        let second = last_octets(&p.query_plan(&RequestInfo::default(), &c));
        assert_eq!(first, vec![1, 3, 2, 4]);
        assert_eq!(second, vec![3, 1, 2, 4], "the local rack rotates");
        assert_eq!(p.distance(&c.hosts()[4], &c), HostDistance::Ignored);
        assert_eq!(p.distance(&c.hosts()[3], &c), HostDistance::Remote);
        c.hosts()[0].set_up(false);
        let down = last_octets(&p.query_plan(&RequestInfo::default(), &c));
        assert_eq!(down, vec![3, 2, 4]);
    }

    #[test]
    fn host_filter_ignores_what_it_rejects() {
        let c = cluster();
        let p = HostFilterPolicy::new(super::super::RoundRobinPolicy::new(), |h: &Host| {
            h.rack() == Some("r2")
        });
        let mut plan = last_octets(&p.query_plan(&RequestInfo::default(), &c));
        plan.sort_unstable();
        assert_eq!(plan, vec![2, 5]);
        assert_eq!(p.distance(&c.hosts()[0], &c), HostDistance::Ignored);
        assert_eq!(p.distance(&c.hosts()[1], &c), HostDistance::Local);
    }
}
