//! Reading rows with a type check skipped only for the metadata it passed on.

use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::message::{ResultMessage, Rows};
use cql_protocol::metadata::{ColumnSpec, ResultMetadata};
use cql_protocol::types::ColumnType;

use super::QueryResult;

/// `v int` as a prepared statement's result columns.
fn int_column() -> Arc<ResultMetadata> {
    Arc::new(ResultMetadata {
        columns_count: 1,
        paging_state: None,
        new_metadata_id: None,
        columns: vec![ColumnSpec::new("ks", "t", "v", ColumnType::Int)],
        no_metadata: false,
    })
}

/// One row `v = 7` sent without metadata, read with `cached`.
fn page(cached: &Arc<ResultMetadata>) -> QueryResult {
    let mut r = QueryResult::void("127.0.0.1:9042".parse().expect("addr"));
    r.kind = ResultMessage::Rows(Rows {
        metadata: ResultMetadata {
            columns_count: 1,
            paging_state: None,
            new_metadata_id: None,
            columns: Vec::new(),
            no_metadata: true,
        },
        rows_count: 1,
        raw_rows: Bytes::from_static(&[0, 0, 0, 4, 0, 0, 0, 7]),
    });
    r.cached_metadata = Some(Arc::clone(cached));
    r
}

#[test]
fn the_check_is_skipped_for_the_same_metadata_only() {
    let meta = int_column();
    let p = page(&meta);
    assert!(Arc::ptr_eq(p.cached_metadata().expect("cached"), &meta));
    let read = |checked| {
        p.rows_typed_checked::<(i32,)>(checked)
            .expect("rows")
            .map(|r| r.expect("row").0)
            .collect::<Vec<_>>()
    };
    assert_eq!(read(None), [7]);
    assert_eq!(read(Some(&meta)), [7]);
    // A type that does not fit the column: refused, unless these very columns were passed
    // as checked (a caller's claim: the mapper makes it only for its model's statement).
    assert!(p.rows_typed_checked::<(String,)>(None).is_err());
    let equal_but_another = int_column();
    assert!(
        p.rows_typed_checked::<(String,)>(Some(&equal_but_another))
            .is_err()
    );
    assert!(p.rows_typed_checked::<(String,)>(Some(&meta)).is_ok());
}
