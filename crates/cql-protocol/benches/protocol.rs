//! Decoding a 5,000-row RESULT and encoding an EXECUTE with 10 values.
//!
//! Run: `cargo bench -p cql-protocol --bench protocol`.

// `criterion_group!` defines a public function it cannot document.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::{BufMut, Bytes, BytesMut};
use cql_protocol::deserialize::Row;
use cql_protocol::frame::{Flags, ProtocolVersion};
use cql_protocol::message::{
    Execute, QueryParameters, Request, ResultMessage, Rows, encode_request,
};
use cql_protocol::metadata::{ColumnSpec, ResultMetadata};
use cql_protocol::serialize::SerializeValue;
use cql_protocol::types::{ColumnType, Consistency};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use uuid::Uuid;

const ROWS: usize = 5_000;

fn columns() -> Vec<ColumnSpec> {
    [
        ("id", ColumnType::Int),
        ("name", ColumnType::Text),
        ("counter", ColumnType::BigInt),
        ("score", ColumnType::Double),
        ("key", ColumnType::Uuid),
        ("payload", ColumnType::Blob),
    ]
    .into_iter()
    .map(|(n, t)| ColumnSpec::new("bench", "t", n, t))
    .collect()
}

/// A RESULT body (kind Rows) with full metadata and 5,000 rows.
fn result_body() -> Bytes {
    let cols = columns();
    let mut raw = BytesMut::new();
    for i in 0..ROWS {
        let name = format!("user-{i:08}");
        (i as i32)
            .serialize(Some(&cols[0].typ), &mut raw)
            .expect("id");
        name.serialize(Some(&cols[1].typ), &mut raw).expect("name");
        (i as i64 * 7)
            .serialize(Some(&cols[2].typ), &mut raw)
            .expect("counter");
        (i as f64 / 3.0)
            .serialize(Some(&cols[3].typ), &mut raw)
            .expect("score");
        Uuid::from_u128(i as u128)
            .serialize(Some(&cols[4].typ), &mut raw)
            .expect("key");
        [7u8; 32][..]
            .serialize(Some(&cols[5].typ), &mut raw)
            .expect("payload");
    }
    let msg = ResultMessage::Rows(Rows {
        metadata: ResultMetadata {
            columns_count: cols.len(),
            columns: cols,
            ..Default::default()
        },
        rows_count: ROWS,
        raw_rows: raw.freeze(),
    });
    let mut body = BytesMut::new();
    msg.encode(&mut body, ProtocolVersion::V4).expect("encode");
    body.freeze()
}

fn decode_result(c: &mut Criterion) {
    let body = result_body();
    let mut g = c.benchmark_group("decode_result_5000_rows");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("typed_borrowed", |b| {
        b.iter(|| {
            let msg = ResultMessage::decode(black_box(&body), ProtocolVersion::V4).expect("decode");
            let ResultMessage::Rows(rows) = msg else {
                unreachable!("rows")
            };
            let mut sum = 0i64;
            for row in rows
                .rows::<(i32, &str, i64, f64, Uuid, &[u8])>()
                .expect("type check")
            {
                let (id, name, counter, _score, _key, payload) = row.expect("row");
                sum += i64::from(id) + counter + name.len() as i64 + payload.len() as i64;
            }
            black_box(sum)
        })
    });
    g.bench_function("dynamic_cql_value", |b| {
        b.iter(|| {
            let msg = ResultMessage::decode(black_box(&body), ProtocolVersion::V4).expect("decode");
            let ResultMessage::Rows(rows) = msg else {
                unreachable!("rows")
            };
            let n = rows
                .rows::<Row>()
                .expect("type check")
                .filter(Result::is_ok)
                .count();
            black_box(n)
        })
    });
    g.finish();
}

fn encode_execute(c: &mut Criterion) {
    let specs: Vec<ColumnSpec> = [
        ColumnType::Int,
        ColumnType::BigInt,
        ColumnType::Text,
        ColumnType::Double,
        ColumnType::Boolean,
        ColumnType::Uuid,
        ColumnType::Blob,
        ColumnType::SmallInt,
        ColumnType::Float,
        ColumnType::Text,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, t)| ColumnSpec::new("bench", "t", &format!("c{i}"), t))
    .collect();
    let id = [0xABu8; 16];
    let result_id = [0xCDu8; 16];
    let key = Uuid::from_u128(42);
    let blob = [1u8; 64];
    let name = String::from("a somewhat longer text value");
    let mut buf = BytesMut::with_capacity(4096);
    c.bench_function("encode_execute_10_values", |b| {
        b.iter(|| {
            let values = (
                7i32,
                1_234_567_890i64,
                "hello",
                2.5f64,
                true,
                key,
                &blob[..],
                12i16,
                1.5f32,
                &name,
            );
            let req = Request::Execute(Execute {
                id: &id,
                result_metadata_id: Some(&result_id),
                params: QueryParameters {
                    consistency: Consistency::LocalQuorum,
                    values: &values,
                    value_specs: Some(&specs),
                    skip_metadata: true,
                    page_size: Some(5000),
                    default_timestamp: Some(1_700_000_000_000_000),
                    ..Default::default()
                },
            });
            buf.clear();
            encode_request(&mut buf, ProtocolVersion::V5, Flags::empty(), 1, &req).expect("encode");
            black_box(buf.len())
        })
    });
    buf.put_u8(0);
}

criterion_group!(benches, decode_result, encode_execute);
criterion_main!(benches);
