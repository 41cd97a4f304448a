//! ERROR: every error code with its extra fields.

use std::fmt;
use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::frame::ProtocolVersion;
use crate::types::Consistency;
use crate::wire::{Reader, put_inetaddr, put_short_bytes, put_string, put_string_list, slice_of};

/// The kind of write that timed out or failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WriteType {
    /// SIMPLE
    Simple,
    /// BATCH
    Batch,
    /// UNLOGGED_BATCH
    UnloggedBatch,
    /// COUNTER
    Counter,
    /// BATCH_LOG
    BatchLog,
    /// CAS
    Cas,
    /// VIEW
    View,
    /// CDC
    Cdc,
    /// Any other value the server sent.
    Other(String),
}

impl WriteType {
    fn parse(s: &str) -> Self {
        match s {
            "SIMPLE" => WriteType::Simple,
            "BATCH" => WriteType::Batch,
            "UNLOGGED_BATCH" => WriteType::UnloggedBatch,
            "COUNTER" => WriteType::Counter,
            "BATCH_LOG" => WriteType::BatchLog,
            "CAS" => WriteType::Cas,
            "VIEW" => WriteType::View,
            "CDC" => WriteType::Cdc,
            other => WriteType::Other(other.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            WriteType::Simple => "SIMPLE",
            WriteType::Batch => "BATCH",
            WriteType::UnloggedBatch => "UNLOGGED_BATCH",
            WriteType::Counter => "COUNTER",
            WriteType::BatchLog => "BATCH_LOG",
            WriteType::Cas => "CAS",
            WriteType::View => "VIEW",
            WriteType::Cdc => "CDC",
            WriteType::Other(s) => s,
        }
    }
}

/// Why replicas failed: a count (v4) or a map of endpoint to failure code (v5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReasons {
    /// v4: the number of replicas that failed.
    Count(i32),
    /// v5: each failed replica and its reason code.
    ByEndpoint(Vec<(IpAddr, u16)>),
}

impl FailureReasons {
    /// The number of failed replicas.
    pub fn num_failures(&self) -> usize {
        match self {
            FailureReasons::Count(n) => (*n).max(0) as usize,
            FailureReasons::ByEndpoint(v) => v.len(),
        }
    }
}

/// The operation a ScyllaDB rate limit rejected.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationType {
    /// A read.
    Read,
    /// A write.
    Write,
    /// A value this crate does not know.
    Other(u8),
}

/// The error code and its extra fields.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 0x0000 Server error.
    ServerError,
    /// 0x000A Protocol error.
    ProtocolError,
    /// 0x0100 Bad credentials.
    BadCredentials,
    /// 0x1000 Unavailable.
    Unavailable {
        /// Requested consistency.
        consistency: Consistency,
        /// Replicas required.
        required: i32,
        /// Replicas alive.
        alive: i32,
    },
    /// 0x1001 Overloaded.
    Overloaded,
    /// 0x1002 Is bootstrapping.
    IsBootstrapping,
    /// 0x1003 Truncate error.
    TruncateError,
    /// 0x1100 Write timeout.
    WriteTimeout {
        /// Requested consistency.
        consistency: Consistency,
        /// Acknowledgements received.
        received: i32,
        /// Acknowledgements required.
        block_for: i32,
        /// The kind of write.
        write_type: WriteType,
        /// (v5, CAS writes) the number of contentions.
        contentions: Option<u16>,
    },
    /// 0x1200 Read timeout.
    ReadTimeout {
        /// Requested consistency.
        consistency: Consistency,
        /// Responses received.
        received: i32,
        /// Responses required.
        block_for: i32,
        /// Whether the replica asked for data responded.
        data_present: bool,
    },
    /// 0x1300 Read failure.
    ReadFailure {
        /// Requested consistency.
        consistency: Consistency,
        /// Responses received.
        received: i32,
        /// Responses required.
        block_for: i32,
        /// Failures (count in v4, reason map in v5).
        reasons: FailureReasons,
        /// Whether the replica asked for data responded.
        data_present: bool,
    },
    /// 0x1400 Function failure.
    FunctionFailure {
        /// Keyspace of the function.
        keyspace: String,
        /// Function name.
        function: String,
        /// Argument types.
        arg_types: Vec<String>,
    },
    /// 0x1500 Write failure.
    WriteFailure {
        /// Requested consistency.
        consistency: Consistency,
        /// Acknowledgements received.
        received: i32,
        /// Acknowledgements required.
        block_for: i32,
        /// Failures (count in v4, reason map in v5).
        reasons: FailureReasons,
        /// The kind of write.
        write_type: WriteType,
    },
    /// 0x1600 CDC write failure (v5).
    CdcWriteFailure,
    /// 0x1700 CAS write unknown (v5).
    CasWriteUnknown {
        /// Requested consistency.
        consistency: Consistency,
        /// Acknowledgements received.
        received: i32,
        /// Acknowledgements required.
        block_for: i32,
    },
    /// 0x2000 Syntax error.
    SyntaxError,
    /// 0x2100 Unauthorized.
    Unauthorized,
    /// 0x2200 Invalid.
    Invalid,
    /// 0x2300 Config error.
    ConfigError,
    /// 0x2400 Already exists (keyspace, or table if `table` is not empty).
    AlreadyExists {
        /// Keyspace.
        keyspace: String,
        /// Table (empty for a keyspace).
        table: String,
    },
    /// 0x2500 Unprepared: the statement id is unknown to this node.
    Unprepared {
        /// The statement id.
        id: Bytes,
    },
    /// ScyllaDB's rate limit error (code negotiated through SUPPORTED).
    RateLimitReached {
        /// The operation that was limited.
        op_type: OperationType,
        /// Whether the coordinator rejected it (else replicas did).
        rejected_by_coordinator: bool,
    },
    /// A code this crate does not know.
    Other(i32),
}

/// Options that change how ERROR bodies are decoded (negotiated ScyllaDB extensions).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorDecodeOptions {
    /// The code ScyllaDB uses for rate limit errors (`SCYLLA_RATE_LIMIT_ERROR` `ERROR_CODE`).
    pub rate_limit_error_code: Option<i32>,
}

impl ErrorDecodeOptions {
    /// Options with the given rate limit error code.
    pub fn with_rate_limit_error_code(code: Option<i32>) -> Self {
        ErrorDecodeOptions {
            rate_limit_error_code: code,
        }
    }
}

/// An ERROR response: code, message and extra fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The numeric error code as sent.
    pub code: i32,
    /// The server's message.
    pub message: String,
    /// The decoded code with its extra fields.
    pub kind: ErrorKind,
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server error 0x{:04x}: {}", self.code, self.message)
    }
}

impl std::error::Error for ErrorResponse {}

fn cl(r: &mut Reader<'_>) -> Result<Consistency> {
    Consistency::from_code(r.short("consistency")?)
}

fn reasons(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<FailureReasons> {
    if version.is_v5_or_later() {
        let n = r.count("reason map")?;
        let mut v = Vec::with_capacity(n.min(r.remaining().len() / 7));
        for _ in 0..n {
            let ip = r.inetaddr("reason map endpoint")?;
            v.push((ip, r.short("reason code")?));
        }
        Ok(FailureReasons::ByEndpoint(v))
    } else {
        Ok(FailureReasons::Count(r.int("numfailures")?))
    }
}

impl ErrorResponse {
    /// Decodes an ERROR body.
    pub fn decode(
        body: &Bytes,
        version: ProtocolVersion,
        opts: ErrorDecodeOptions,
    ) -> Result<Self> {
        let mut rd = Reader::new(body);
        let r = &mut rd;
        let code = r.int("error code")?;
        let message = r.string("error message")?.to_owned();
        let kind = match code {
            0x0000 => ErrorKind::ServerError,
            0x000A => ErrorKind::ProtocolError,
            0x0100 => ErrorKind::BadCredentials,
            0x1000 => ErrorKind::Unavailable {
                consistency: cl(r)?,
                required: r.int("required")?,
                alive: r.int("alive")?,
            },
            0x1001 => ErrorKind::Overloaded,
            0x1002 => ErrorKind::IsBootstrapping,
            0x1003 => ErrorKind::TruncateError,
            0x1100 => {
                let consistency = cl(r)?;
                let received = r.int("received")?;
                let block_for = r.int("blockfor")?;
                let write_type = WriteType::parse(r.string("write type")?);
                let contentions = if version.is_v5_or_later() && write_type == WriteType::Cas {
                    Some(r.short("contentions")?)
                } else {
                    None
                };
                ErrorKind::WriteTimeout {
                    consistency,
                    received,
                    block_for,
                    write_type,
                    contentions,
                }
            }
            0x1200 => ErrorKind::ReadTimeout {
                consistency: cl(r)?,
                received: r.int("received")?,
                block_for: r.int("blockfor")?,
                data_present: r.u8("data present")? != 0,
            },
            0x1300 => ErrorKind::ReadFailure {
                consistency: cl(r)?,
                received: r.int("received")?,
                block_for: r.int("blockfor")?,
                reasons: reasons(r, version)?,
                data_present: r.u8("data present")? != 0,
            },
            0x1400 => ErrorKind::FunctionFailure {
                keyspace: r.string("keyspace")?.to_owned(),
                function: r.string("function")?.to_owned(),
                arg_types: r.string_list("arg types")?,
            },
            0x1500 => ErrorKind::WriteFailure {
                consistency: cl(r)?,
                received: r.int("received")?,
                block_for: r.int("blockfor")?,
                reasons: reasons(r, version)?,
                write_type: WriteType::parse(r.string("write type")?),
            },
            0x1600 => ErrorKind::CdcWriteFailure,
            0x1700 => ErrorKind::CasWriteUnknown {
                consistency: cl(r)?,
                received: r.int("received")?,
                block_for: r.int("blockfor")?,
            },
            0x2000 => ErrorKind::SyntaxError,
            0x2100 => ErrorKind::Unauthorized,
            0x2200 => ErrorKind::Invalid,
            0x2300 => ErrorKind::ConfigError,
            0x2400 => ErrorKind::AlreadyExists {
                keyspace: r.string("keyspace")?.to_owned(),
                table: r.string("table")?.to_owned(),
            },
            0x2500 => ErrorKind::Unprepared {
                id: slice_of(body, r.short_bytes("unprepared id")?),
            },
            c if Some(c) == opts.rate_limit_error_code => ErrorKind::RateLimitReached {
                op_type: match r.u8("op type")? {
                    0 => OperationType::Read,
                    1 => OperationType::Write,
                    o => OperationType::Other(o),
                },
                rejected_by_coordinator: r.u8("rejected by coordinator")? != 0,
            },
            other => ErrorKind::Other(other),
        };
        Ok(ErrorResponse {
            code,
            message,
            kind,
        })
    }

    /// Writes the ERROR body (the `code` field is written as given).
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        dst.put_i32(self.code);
        put_string(dst, &self.message)?;
        let put_reasons = |dst: &mut BytesMut, r: &FailureReasons| -> Result<()> {
            match (r, version.is_v5_or_later()) {
                (FailureReasons::Count(n), false) => dst.put_i32(*n),
                (FailureReasons::ByEndpoint(v), true) => {
                    dst.put_i32(v.len() as i32);
                    for (ip, c) in v {
                        put_inetaddr(dst, *ip);
                        dst.put_u16(*c);
                    }
                }
                _ => {
                    return Err(ProtocolError::InvalidValue {
                        what: "failure reasons",
                        reason: "count is v4 only, reason map is v5 only".into(),
                    });
                }
            }
            Ok(())
        };
        match &self.kind {
            ErrorKind::Unavailable {
                consistency,
                required,
                alive,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*required);
                dst.put_i32(*alive);
            }
            ErrorKind::WriteTimeout {
                consistency,
                received,
                block_for,
                write_type,
                contentions,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*received);
                dst.put_i32(*block_for);
                put_string(dst, write_type.as_str())?;
                if version.is_v5_or_later() && *write_type == WriteType::Cas {
                    dst.put_u16(contentions.unwrap_or(0));
                }
            }
            ErrorKind::ReadTimeout {
                consistency,
                received,
                block_for,
                data_present,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*received);
                dst.put_i32(*block_for);
                dst.put_u8(u8::from(*data_present));
            }
            ErrorKind::ReadFailure {
                consistency,
                received,
                block_for,
                reasons,
                data_present,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*received);
                dst.put_i32(*block_for);
                put_reasons(dst, reasons)?;
                dst.put_u8(u8::from(*data_present));
            }
            ErrorKind::FunctionFailure {
                keyspace,
                function,
                arg_types,
            } => {
                put_string(dst, keyspace)?;
                put_string(dst, function)?;
                put_string_list(dst, arg_types)?;
            }
            ErrorKind::WriteFailure {
                consistency,
                received,
                block_for,
                reasons,
                write_type,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*received);
                dst.put_i32(*block_for);
                put_reasons(dst, reasons)?;
                put_string(dst, write_type.as_str())?;
            }
            ErrorKind::CasWriteUnknown {
                consistency,
                received,
                block_for,
            } => {
                dst.put_u16(consistency.code());
                dst.put_i32(*received);
                dst.put_i32(*block_for);
            }
            ErrorKind::AlreadyExists { keyspace, table } => {
                put_string(dst, keyspace)?;
                put_string(dst, table)?;
            }
            ErrorKind::Unprepared { id } => put_short_bytes(dst, id)?,
            ErrorKind::RateLimitReached {
                op_type,
                rejected_by_coordinator,
            } => {
                dst.put_u8(match op_type {
                    OperationType::Read => 0,
                    OperationType::Write => 1,
                    OperationType::Other(o) => *o,
                });
                dst.put_u8(u8::from(*rejected_by_coordinator));
            }
            _ => {}
        }
        Ok(())
    }
}
