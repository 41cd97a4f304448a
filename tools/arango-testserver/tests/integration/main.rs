//! The stand-in over HTTP: ArangoDB's documented behaviour checked with raw requests
//! (`http`), and python-arango-async driving it (`python`). One test binary.

mod fidelity;
mod http;
mod http_catalog;
mod python;
mod renew_hooks;
