//! The CQL the mapper writes, without a server: statements of a hand-written model, the
//! rules that refuse filters, type and option comparisons of `sync_table`. The server-side
//! behaviour is tested in `tests/integration/mapper`.

use std::collections::BTreeSet;

use cql_protocol::deserialize::{ColumnIterator, DeserializeError, DeserializeRow};
use cql_protocol::metadata::ColumnSpec;
use cql_protocol::serialize::{RowWriter, SerializeError};
use cql_protocol::types::ColumnType;

use super::column::Column;
use super::model::{ColumnDef, Model, Order, Role, TableDef};
use super::query::{Query, Selection};
use super::schema::{ddl, plan};
use super::types::{CqlType, TypeDesc, normalize};
use super::{Error, ModelExt};

/// `t (p1 int, p2 text, c bigint DESC, s text static, v text indexed, l list<int>)`.
struct T {
    l: Vec<i32>,
}

const COLUMNS: &[ColumnDef] = &[
    col("p1", Role::PartitionKey, false, i32::cql_type),
    col("p2", Role::PartitionKey, false, String::cql_type),
    col("c", Role::Clustering(Order::Desc), false, i64::cql_type),
    col("d", Role::Clustering(Order::Asc), false, i32::cql_type),
    col("s", Role::Static, false, String::cql_type),
    col("v", Role::Regular, true, String::cql_type),
    col("l", Role::Regular, false, <Vec<i32>>::cql_type),
];

const fn col(name: &'static str, role: Role, indexed: bool, t: fn() -> TypeDesc) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        role,
        indexed,
        nullable: false,
        counter: false,
        default: false,
        cql_type: t,
    }
}

impl<'f> DeserializeRow<'f> for T {
    fn type_check(_: &[ColumnSpec]) -> Result<(), DeserializeError> {
        Ok(())
    }
    fn deserialize(_: ColumnIterator<'f, '_>) -> Result<Self, DeserializeError> {
        Ok(T { l: Vec::new() })
    }
}

impl Model for T {
    const TABLE: &'static TableDef = &TableDef {
        rust_name: "T",
        name: "t",
        keyspace: Some("ks"),
        columns: COLUMNS,
        default_ttl: Some(60),
        options: &[("comment", "'c'")],
        discriminator: None,
        view: None,
        polymorphic: None,
    };
    fn bind_column(
        &self,
        index: usize,
        typ: Option<&ColumnType>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        match index {
            6 => w.value(&self.l, typ),
            _ => w.value(&0_i32, typ),
        }
    }
    fn is_null(&self, _: usize) -> bool {
        false
    }
}

const P1: Column<T, i32> = Column::new(0);
const P2: Column<T, String> = Column::new(1);
const C: Column<T, i64> = Column::new(2);
const D: Column<T, i32> = Column::new(3);
const S: Column<T, String> = Column::new(4);
const V: Column<T, String> = Column::new(5);
const L: Column<T, Vec<i32>> = Column::new(6);

fn part() -> Query<T> {
    T::objects().filter(P1.eq(1)).filter(P2.eq("a"))
}

fn select(q: &Query<T>) -> Result<(String, usize), Error> {
    let cols: Vec<usize> = (0..COLUMNS.len()).collect();
    q.select_cql(
        "ks",
        Selection::Columns {
            columns: &cols,
            distinct: false,
        },
        q.limit,
    )
    .map(|cql| (cql, q.values(q.limit, None).len()))
}

fn rule(r: Result<(String, usize), Error>) -> (String, String) {
    match r {
        Err(Error::InvalidFilter { column, rule }) => (column, rule),
        other => panic!("expected a refused filter, got {other:?}"),
    }
}

#[test]
fn selects_bind_every_value_and_limit() {
    let (cql, n) = select(
        &part()
            .filter(C.ge(3))
            .order_by(C.asc())
            .order_by(D.desc())
            .per_partition_limit(2)
            .limit(10),
    )
    .expect("valid");
    assert_eq!(
        cql,
        "SELECT p1, p2, c, d, s, v, l FROM ks.t WHERE p1 = ? AND p2 = ? AND c >= ? \
         ORDER BY c ASC, d DESC PER PARTITION LIMIT ? LIMIT ?"
    );
    assert_eq!(n, 5);
    let (cql, _) = select(&T::objects().filter(super::token::<T>().gt(crate::token::Token(5))))
        .expect("token");
    assert!(cql.ends_with("WHERE token(p1, p2) > ?"), "{cql}");
    let (cql, _) = select(&T::objects().filter(L.contains(3)).allow_filtering()).expect("contains");
    assert!(cql.ends_with("WHERE l CONTAINS ? ALLOW FILTERING"), "{cql}");
    let (cql, _) = select(&T::objects().filter(V.eq("x"))).expect("indexed");
    assert!(cql.ends_with("WHERE v = ?"), "{cql}");
}

#[test]
fn refused_filters_name_the_column_and_the_rule() {
    let (c, r) = rule(select(&T::objects().filter(S.eq("x"))));
    assert_eq!(c, "s");
    assert!(r.contains("allow_filtering"), "{r}");
    let (c, _) = rule(select(&T::objects().filter(P1.gt(1)).filter(P2.eq("a"))));
    assert_eq!(c, "p1");
    let (c, r) = rule(select(&part().filter(C.is_in([1, 2]))));
    assert_eq!((c.as_str(), r.contains("last clustering")), ("c", true));
    let (c, _) = rule(select(&T::objects().filter(P1.eq(1))));
    assert_eq!(c, "p2");
    let (c, r) = rule(select(&part().filter(D.eq(1))));
    assert_eq!((c.as_str(), r.contains("preceding c")), ("d", true));
    let (c, _) = rule(select(&part().filter(C.gt(1)).filter(D.eq(1))));
    assert_eq!(c, "d", "a column after a range");
    let (c, _) = rule(select(&part().order_by(D.asc())));
    assert_eq!(c, "d");
    let (c, _) = rule(select(&part().order_by(C.desc()).order_by(D.desc())));
    assert_eq!(c, "d", "mixed directions");
    let (c, _) = rule(select(&T::objects().order_by(C.desc())));
    assert_eq!(c, "c");
    let (c, _) = rule(select(&T::objects().filter(V.lt("x"))));
    assert_eq!(c, "v");
    // The same with allow_filtering (where the server allows it) or with the key.
    select(&T::objects().filter(S.eq("x")).allow_filtering()).expect("filtering");
    select(&part().filter(C.eq(1)).filter(D.is_in([1, 2]))).expect("IN on the last");
    select(&part().order_by(C.desc()).order_by(D.asc())).expect("the declared order");
}

#[test]
fn writes_bind_ttl_timestamp_and_conditions() {
    let t = T { l: vec![1] };
    let ins = t
        .insert()
        .ttl(std::time::Duration::from_secs(5))
        .timestamp(7)
        .if_not_exists();
    let st = ins.statement("ks").expect("insert");
    assert_eq!(
        st.cql,
        "INSERT INTO ks.t (p1, p2, c, d, s, v, l) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS \
         USING TTL ? AND TIMESTAMP ?"
    );
    assert_eq!(st.binds.len(), 9);
    assert!(st.conditional);
    let up = part()
        .filter(C.eq(1))
        .filter(D.eq(2))
        .update()
        .set(L.prepend(vec![1]))
        .set(L.append(vec![2]))
        .set(V.set("x"))
        .iff(S.eq("y"));
    let st = up.statement("ks").expect("update");
    assert_eq!(
        st.cql,
        "UPDATE ks.t SET l = ? + l, l = l + ?, v = ? WHERE p1 = ? AND p2 = ? AND c = ? AND d = ? IF s = ?"
    );
    // A static column needs only the partition key; a regular one the whole key.
    part()
        .update()
        .set(S.set("z"))
        .statement("ks")
        .expect("static");
    let e = part().update().set(V.set("z")).statement("ks").err();
    assert!(matches!(e, Some(Error::InvalidFilter { column, .. }) if column == "c"));
    let st = part()
        .filter(C.lt(9))
        .delete()
        .timestamp(3)
        .statement("ks")
        .expect("range delete");
    assert_eq!(
        st.cql,
        "DELETE FROM ks.t USING TIMESTAMP ? WHERE p1 = ? AND p2 = ? AND c < ?"
    );
    let e = t.update().set(P1.set(2)).statement("ks").err();
    assert!(matches!(e, Some(Error::InvalidWrite { .. })), "{e:?}");
    let e = t
        .insert()
        .ttl(std::time::Duration::from_secs(u64::MAX / 2))
        .statement("ks")
        .err();
    assert!(matches!(e, Some(Error::InvalidWrite { .. })), "{e:?}");
}

#[test]
fn types_render_as_the_schema_stores_them() {
    assert_eq!(
        <Vec<BTreeSet<i32>>>::cql_type().to_cql(),
        "list<frozen<set<int>>>"
    );
    assert_eq!(
        <(i32, String)>::cql_type().to_cql(),
        "frozen<tuple<int, text>>"
    );
    assert_eq!(
        <std::collections::HashMap<String, Vec<u8>>>::cql_type().to_cql(),
        "map<text, blob>"
    );
    assert_eq!(
        normalize("frozen<map<Text, \"MyType\">>"),
        "frozen<map<text,MyType>>"
    );
    assert_eq!(normalize("varchar"), "text");
}

#[test]
fn options_compare_by_value_and_by_the_given_map_entries() {
    assert!(plan::option_matches(Some("3600"), "3600"));
    assert!(plan::option_matches(Some("0.01"), "0.010"));
    assert!(plan::option_matches(Some("'it''s'"), "'it''s'"));
    assert!(!plan::option_matches(Some("'a'"), "'b'"));
    assert!(!plan::option_matches(None, "'b'"));
    let server = "{'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', 'sstable_size_in_mb': '160'}";
    assert!(plan::option_matches(
        Some(server),
        "{'class': 'LeveledCompactionStrategy'}"
    ));
    assert!(!plan::option_matches(
        Some(server),
        "{'class': 'SizeTieredCompactionStrategy'}"
    ));
    assert!(!plan::option_matches(
        Some(server),
        "{'sstable_size_in_mb': '80'}"
    ));
}

#[test]
fn create_table_has_keys_orders_statics_and_options() {
    let cql = ddl::create_table(T::TABLE, "ks");
    assert_eq!(
        cql,
        "CREATE TABLE IF NOT EXISTS ks.t (p1 int, p2 text, c bigint, d int, s text static, \
         v text, l list<int>, PRIMARY KEY ((p1, p2), c, d)) WITH CLUSTERING ORDER BY \
         (c DESC, d ASC) AND comment = 'c' AND default_time_to_live = 60"
    );
    assert_eq!(ddl::index_target("l", &<Vec<i32>>::cql_type()), "values(l)");
}

#[test]
fn a_shape_is_what_the_text_depends_on() {
    let key = |q: &Query<T>, ks: &str| {
        q.shape(ks, &Selection::All, q.limit)
            .key()
            .map(<[u32]>::to_vec)
    };
    let texts = |q: &Query<T>, ks: &str| q.select_cql(ks, Selection::All, q.limit).expect("valid");
    // The same shape with other values: the same key and the same text.
    let a = part().filter(C.ge(3)).limit(10);
    let b = T::objects()
        .filter(P1.eq(7))
        .filter(P2.eq("zz"))
        .filter(C.ge(-1))
        .limit(99);
    assert_eq!(key(&a, "ks"), key(&b, "ks"));
    assert_eq!(texts(&a, "ks"), texts(&b, "ks"));
    // Anything else in the text: another key.
    let others = [
        part().filter(C.gt(3)).limit(10),
        part().filter(D.ge(3)).limit(10).allow_filtering(),
        part().filter(C.ge(3)),
        part().filter(C.ge(3)).limit(10).per_partition_limit(1),
        part().filter(C.ge(3)).limit(10).order_by(C.asc()),
        part().filter(C.ge(3)).limit(10).order_by(C.desc()),
        part().filter(C.ge(3)).limit(10).allow_filtering(),
    ];
    let mut seen = BTreeSet::new();
    seen.insert(key(&a, "ks").expect("kept"));
    assert!(seen.insert(key(&a, "ks2").expect("kept")), "keyspace");
    for (i, q) in others.iter().enumerate() {
        assert_ne!(texts(q, "ks"), texts(&a, "ks"), "#{i}");
        assert!(
            seen.insert(key(q, "ks").expect("kept")),
            "#{i} has its own key"
        );
    }
    // Count and partial selects are other shapes too.
    let count = a.shape("ks", &Selection::Count, a.limit);
    let cols = [0, 2];
    let only = Selection::Columns {
        columns: &cols,
        distinct: false,
    };
    assert!(seen.insert(count.key().expect("kept").to_vec()));
    assert!(seen.insert(a.shape("ks", &only, a.limit).key().expect("kept").to_vec()));
}

#[test]
fn every_marker_of_a_select_has_a_value() {
    let queries = [
        part(),
        part().filter(C.ge(3)).filter(C.lt(9)).limit(3),
        part()
            .filter(C.ge(3))
            .per_partition_limit(2)
            .limit(5)
            .order_by(C.desc()),
        T::objects().filter(super::token().gt(crate::token::Token(5))),
        T::objects().filter(L.contains(3)).allow_filtering(),
    ];
    for (i, q) in queries.iter().enumerate() {
        for limit in [None, Some(2)] {
            let cql = q.select_cql("ks", Selection::All, limit).expect("valid");
            let markers = cql.matches('?').count();
            assert_eq!(markers, q.values(limit, None).len(), "#{i}: {cql}");
        }
    }
}

#[test]
fn inline_key_values_are_written_as_the_others() {
    use super::value::{Bind, Binds};
    use cql_protocol::serialize::SerializedValues;
    use std::sync::Arc;

    let inline = |b: Bind| match b {
        Bind::Small(_) => b,
        other => panic!("expected an inline value, got {other:?}"),
    };
    let pairs: Vec<(Bind, Bind)> = vec![
        (inline(Bind::value(7_i32)), Bind::Value(Arc::new(7_i32))),
        (inline(Bind::value(-9_i64)), Bind::Value(Arc::new(-9_i64))),
        (
            inline(Bind::value(uuid::Uuid::from_u128(42))),
            Bind::Value(Arc::new(uuid::Uuid::from_u128(42))),
        ),
    ];
    let types = [
        ColumnType::Int,
        ColumnType::BigInt,
        ColumnType::Uuid,
        ColumnType::Text,
    ];
    for (small, arc) in pairs {
        for typ in &types {
            let specs = [ColumnSpec::new("ks", "t", "x", typ.clone())];
            let write = |b: &Bind| {
                let items = std::slice::from_ref(b);
                SerializedValues::from_row(&Binds { items, row: None }, Some(&specs))
                    .map(|v| v.as_bytes().to_vec())
                    .map_err(|e| e.to_string())
            };
            assert_eq!(write(&small), write(&arc), "{small:?} as {typ:?}");
        }
    }
    // Other types are held as before.
    assert!(matches!(Bind::value("a".to_owned()), Bind::Value(_)));
}

#[test]
fn a_key_lookup_is_eq_on_each_key_column_in_key_order() {
    let key = |q: Query<T>| q.is_key_lookup();
    assert!(key(T::objects().filter(P1.eq(1)).filter(P2.eq("a"))));
    // Not the whole key, a key column twice, the key out of order, another operator, more.
    assert!(!key(T::objects().filter(P1.eq(1))));
    assert!(!key(T::objects().filter(P1.eq(1)).filter(P1.eq(2))));
    assert!(!key(T::objects().filter(P2.eq("a")).filter(P1.eq(1))));
    assert!(!key(T::objects().filter(P1.eq(1)).filter(P2.lt("a"))));
    assert!(!key(T::objects().filter(P1.eq(1)).filter(C.eq(3))));
    assert!(!key(part().filter(C.eq(3))));
    assert!(!key(part().order_by(C.asc())));
    assert!(!key(part().per_partition_limit(1)));
    assert!(!key(part().allow_filtering()));
    assert!(!key(T::objects()));
    assert_eq!(T::TABLE.partition_key_len(), 2);
}
