//! The Send check of `send_futures.rs` for the API of graphs, indexes, views, analyzers, async
//! jobs and collection settings (kept apart so each list stays one area's). Gathered the same
//! way: every `pub async fn` in crates/arango/src/{graph,index,job,view,analyzer,collection}.rs.

use arango::{
    AsyncDatabase, AsyncJob, Collection, CollectionConfig, CreateCollectionOptions,
    CreateGraphOptions, Database, DatabaseOptions, Direction, EdgeDefinition, Graph,
    GraphDocOptions, IndexDefinition, JobStatus,
};
use serde_json::{Map, Value, json};

fn assert_send<T: Send>(_: &T) {}

macro_rules! send_nested {
    ($f:expr) => {
        assert_send(&$f);
        assert_send(&async {
            let _ = $f.await;
        });
    };
}

#[allow(dead_code)]
fn graph_futures_are_send(db: &Database, g: &Graph, c: &Collection) {
    let def = EdgeDefinition::new("e", ["v"], ["v"]);
    let o = GraphDocOptions::default();
    let doc = json!({});
    send_nested!(db.graphs());
    send_nested!(db.has_graph("g"));
    send_nested!(db.create_graph(
        "g",
        std::slice::from_ref(&def),
        &CreateGraphOptions::default()
    ));
    send_nested!(db.delete_graph("g", true));
    send_nested!(db.create_edge_collection("e"));
    send_nested!(c.edges("v/1", Direction::Any));
    send_nested!(g.info());
    send_nested!(g.edge_definitions());
    send_nested!(g.vertex_collections());
    send_nested!(g.edge_collections());
    send_nested!(g.add_vertex_collection("o"));
    send_nested!(g.remove_vertex_collection("o", false));
    send_nested!(g.add_edge_definition(&def));
    send_nested!(g.replace_edge_definition(&def));
    send_nested!(g.remove_edge_definition("e", false));
    send_nested!(g.insert_vertex("v", &doc, &o));
    send_nested!(g.vertex("v", "1"));
    send_nested!(g.vertex_as::<Value>("v", "1"));
    send_nested!(g.update_vertex("v", "1", &doc, &o));
    send_nested!(g.replace_vertex("v", "1", &doc, &o));
    send_nested!(g.delete_vertex("v", "1", &o));
    send_nested!(g.insert_edge("e", &doc, &o));
    send_nested!(g.edge("e", "1"));
    send_nested!(g.update_edge("e", "1", &doc, &o));
    send_nested!(g.replace_edge("e", "1", &doc, &o));
    send_nested!(g.delete_edge("e", "1", &o));
}

#[allow(dead_code)]
fn index_and_collection_futures_are_send(db: &Database, c: &Collection) {
    let def = IndexDefinition::persistent(["a"]);
    send_nested!(c.indexes());
    send_nested!(c.index("c/1"));
    send_nested!(c.ensure_index(&def));
    send_nested!(c.delete_index("c/1"));
    send_nested!(db.create_collection_with("c", &CreateCollectionOptions::default()));
    send_nested!(db.create_database_with("d", &[], &DatabaseOptions::default()));
    send_nested!(c.info());
    send_nested!(c.configure(&CollectionConfig::default()));
    send_nested!(c.rename("d"));
    send_nested!(c.figures());
    send_nested!(c.truncate_with(false, false));
}

#[allow(dead_code)]
fn view_and_analyzer_futures_are_send(db: &Database) {
    send_nested!(db.views());
    send_nested!(db.view("v"));
    send_nested!(db.view_properties("v"));
    send_nested!(db.create_view("v", "arangosearch", Map::new()));
    send_nested!(db.replace_view("v", Map::new()));
    send_nested!(db.update_view("v", Map::new()));
    send_nested!(db.rename_view("v", "w"));
    send_nested!(db.delete_view("v"));
    send_nested!(db.analyzers());
    send_nested!(db.analyzer("a"));
    send_nested!(db.create_analyzer("a", "identity", Map::new(), &[]));
    send_nested!(db.delete_analyzer("a", false));
}

#[allow(dead_code)]
fn job_futures_are_send(db: &Database, a: &AsyncDatabase, j: &AsyncJob<u64>) {
    send_nested!(db.async_jobs(JobStatus::Done, None));
    send_nested!(db.clear_async_jobs(None));
    send_nested!(a.submit(|db| async move { db.collection("c").count().await }));
    send_nested!(a.fire_and_forget(|db| async move { db.collection("c").count().await }));
    send_nested!(j.status());
    send_nested!(j.wait(std::time::Duration::ZERO, std::time::Duration::ZERO));
    send_nested!(j.result());
    send_nested!(j.cancel());
    send_nested!(j.clear());
    send_nested!(db.async_job("1").result());
}
