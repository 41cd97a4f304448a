//! CQL types: the [`ColumnType`] model, the dynamic [`CqlValue`] and its accessors, value
//! types without a std equivalent, the order-keeping [`OrderedMap`], and consistency levels.

mod accessors;
mod column_type;
mod consistency;
mod ordered_map;
mod value;
mod values;

pub use accessors::UdtFields;
pub use column_type::{ColumnType, MAX_TYPE_DEPTH, UserDefinedType, parse_class_name};
pub use consistency::Consistency;
pub use ordered_map::OrderedMap;
pub use value::CqlValue;
pub use values::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};

/// A value type could not be converted into a type of another crate (out of range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conversion failed: {0}")]
pub struct ConversionError(pub &'static str);
