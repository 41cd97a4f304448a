//! EVENT and the schema change description shared with RESULT.

use std::net::SocketAddr;

use bytes::BytesMut;

use crate::error::{ProtocolError, Result};
use crate::wire::{Reader, put_inet, put_string, put_string_list};

/// What kind of schema change happened.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaChangeType {
    /// CREATED
    Created,
    /// UPDATED
    Updated,
    /// DROPPED
    Dropped,
}

impl SchemaChangeType {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "CREATED" => Ok(SchemaChangeType::Created),
            "UPDATED" => Ok(SchemaChangeType::Updated),
            "DROPPED" => Ok(SchemaChangeType::Dropped),
            other => Err(ProtocolError::InvalidValue {
                what: "schema change type",
                reason: other.to_owned(),
            }),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SchemaChangeType::Created => "CREATED",
            SchemaChangeType::Updated => "UPDATED",
            SchemaChangeType::Dropped => "DROPPED",
        }
    }
}

/// What changed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SchemaChangeTarget {
    /// A keyspace.
    Keyspace {
        /// Its name.
        keyspace: String,
    },
    /// A table.
    Table {
        /// Keyspace.
        keyspace: String,
        /// Table.
        table: String,
    },
    /// A user-defined type.
    Type {
        /// Keyspace.
        keyspace: String,
        /// Type name.
        name: String,
    },
    /// A function.
    Function {
        /// Keyspace.
        keyspace: String,
        /// Function name.
        name: String,
        /// Argument types.
        arg_types: Vec<String>,
    },
    /// An aggregate.
    Aggregate {
        /// Keyspace.
        keyspace: String,
        /// Aggregate name.
        name: String,
        /// Argument types.
        arg_types: Vec<String>,
    },
}

/// A schema change (RESULT kind Schema_change, or a SCHEMA_CHANGE event).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SchemaChange {
    /// Created, updated or dropped.
    pub change_type: SchemaChangeType,
    /// What changed.
    pub target: SchemaChangeTarget,
}

impl SchemaChange {
    /// Reads `<change_type><target><options>`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let change_type = SchemaChangeType::parse(r.string("schema change type")?)?;
        let target = r.string("schema change target")?;
        let ks = r.string("keyspace")?.to_owned();
        let target = match target {
            "KEYSPACE" => SchemaChangeTarget::Keyspace { keyspace: ks },
            "TABLE" => SchemaChangeTarget::Table {
                keyspace: ks,
                table: r.string("table")?.to_owned(),
            },
            "TYPE" => SchemaChangeTarget::Type {
                keyspace: ks,
                name: r.string("type name")?.to_owned(),
            },
            "FUNCTION" => SchemaChangeTarget::Function {
                keyspace: ks,
                name: r.string("function name")?.to_owned(),
                arg_types: r.string_list("argument types")?,
            },
            "AGGREGATE" => SchemaChangeTarget::Aggregate {
                keyspace: ks,
                name: r.string("aggregate name")?.to_owned(),
                arg_types: r.string_list("argument types")?,
            },
            other => {
                return Err(ProtocolError::InvalidValue {
                    what: "schema change target",
                    reason: other.to_owned(),
                });
            }
        };
        Ok(SchemaChange {
            change_type,
            target,
        })
    }

    /// Writes `<change_type><target><options>`.
    pub fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        put_string(dst, self.change_type.as_str())?;
        match &self.target {
            SchemaChangeTarget::Keyspace { keyspace } => {
                put_string(dst, "KEYSPACE")?;
                put_string(dst, keyspace)
            }
            SchemaChangeTarget::Table { keyspace, table } => {
                put_string(dst, "TABLE")?;
                put_string(dst, keyspace)?;
                put_string(dst, table)
            }
            SchemaChangeTarget::Type { keyspace, name } => {
                put_string(dst, "TYPE")?;
                put_string(dst, keyspace)?;
                put_string(dst, name)
            }
            SchemaChangeTarget::Function {
                keyspace,
                name,
                arg_types,
            } => {
                put_string(dst, "FUNCTION")?;
                put_string(dst, keyspace)?;
                put_string(dst, name)?;
                put_string_list(dst, arg_types)
            }
            SchemaChangeTarget::Aggregate {
                keyspace,
                name,
                arg_types,
            } => {
                put_string(dst, "AGGREGATE")?;
                put_string(dst, keyspace)?;
                put_string(dst, name)?;
                put_string_list(dst, arg_types)
            }
        }
    }
}

/// A topology change.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopologyChangeType {
    /// NEW_NODE
    NewNode,
    /// REMOVED_NODE
    RemovedNode,
    /// MOVED_NODE (older servers)
    MovedNode,
}

/// A status change.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusChangeType {
    /// UP
    Up,
    /// DOWN
    Down,
}

/// An EVENT pushed by the server (on stream -1).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// TOPOLOGY_CHANGE
    TopologyChange {
        /// What happened.
        change: TopologyChangeType,
        /// The node's native transport address.
        address: SocketAddr,
    },
    /// STATUS_CHANGE
    StatusChange {
        /// Up or down.
        change: StatusChangeType,
        /// The node's native transport address.
        address: SocketAddr,
    },
    /// SCHEMA_CHANGE
    SchemaChange(SchemaChange),
}

impl Event {
    /// Decodes an EVENT body.
    pub fn decode(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body);
        let kind = r.string("event type")?;
        let ev = match kind {
            "TOPOLOGY_CHANGE" => {
                let change = match r.string("topology change")? {
                    "NEW_NODE" => TopologyChangeType::NewNode,
                    "REMOVED_NODE" => TopologyChangeType::RemovedNode,
                    "MOVED_NODE" => TopologyChangeType::MovedNode,
                    other => {
                        return Err(ProtocolError::InvalidValue {
                            what: "topology change",
                            reason: other.to_owned(),
                        });
                    }
                };
                Event::TopologyChange {
                    change,
                    address: r.inet("event address")?,
                }
            }
            "STATUS_CHANGE" => {
                let change = match r.string("status change")? {
                    "UP" => StatusChangeType::Up,
                    "DOWN" => StatusChangeType::Down,
                    other => {
                        return Err(ProtocolError::InvalidValue {
                            what: "status change",
                            reason: other.to_owned(),
                        });
                    }
                };
                Event::StatusChange {
                    change,
                    address: r.inet("event address")?,
                }
            }
            "SCHEMA_CHANGE" => Event::SchemaChange(SchemaChange::decode(&mut r)?),
            other => {
                return Err(ProtocolError::InvalidValue {
                    what: "event type",
                    reason: other.to_owned(),
                });
            }
        };
        Ok(ev)
    }

    /// Writes an EVENT body.
    pub fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        match self {
            Event::TopologyChange { change, address } => {
                put_string(dst, "TOPOLOGY_CHANGE")?;
                put_string(
                    dst,
                    match change {
                        TopologyChangeType::NewNode => "NEW_NODE",
                        TopologyChangeType::RemovedNode => "REMOVED_NODE",
                        TopologyChangeType::MovedNode => "MOVED_NODE",
                    },
                )?;
                put_inet(dst, *address);
            }
            Event::StatusChange { change, address } => {
                put_string(dst, "STATUS_CHANGE")?;
                put_string(
                    dst,
                    match change {
                        StatusChangeType::Up => "UP",
                        StatusChangeType::Down => "DOWN",
                    },
                )?;
                put_inet(dst, *address);
            }
            Event::SchemaChange(s) => {
                put_string(dst, "SCHEMA_CHANGE")?;
                s.encode(dst)?;
            }
        }
        Ok(())
    }
}
