//! Consistency levels (`[consistency]`, a `[short]`).

use std::fmt;

use crate::error::{ProtocolError, Result};

/// A consistency level.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Consistency {
    /// ANY (writes only).
    Any,
    /// ONE
    One,
    /// TWO
    Two,
    /// THREE
    Three,
    /// QUORUM
    Quorum,
    /// ALL
    All,
    /// LOCAL_QUORUM (the driver default).
    #[default]
    LocalQuorum,
    /// EACH_QUORUM
    EachQuorum,
    /// SERIAL (lightweight transactions).
    Serial,
    /// LOCAL_SERIAL
    LocalSerial,
    /// LOCAL_ONE
    LocalOne,
}

impl Consistency {
    /// The wire code.
    pub fn code(self) -> u16 {
        match self {
            Consistency::Any => 0x0000,
            Consistency::One => 0x0001,
            Consistency::Two => 0x0002,
            Consistency::Three => 0x0003,
            Consistency::Quorum => 0x0004,
            Consistency::All => 0x0005,
            Consistency::LocalQuorum => 0x0006,
            Consistency::EachQuorum => 0x0007,
            Consistency::Serial => 0x0008,
            Consistency::LocalSerial => 0x0009,
            Consistency::LocalOne => 0x000A,
        }
    }

    /// The level for a wire code.
    pub fn from_code(code: u16) -> Result<Self> {
        Ok(match code {
            0x0000 => Consistency::Any,
            0x0001 => Consistency::One,
            0x0002 => Consistency::Two,
            0x0003 => Consistency::Three,
            0x0004 => Consistency::Quorum,
            0x0005 => Consistency::All,
            0x0006 => Consistency::LocalQuorum,
            0x0007 => Consistency::EachQuorum,
            0x0008 => Consistency::Serial,
            0x0009 => Consistency::LocalSerial,
            0x000A => Consistency::LocalOne,
            other => return Err(ProtocolError::UnknownConsistency(other)),
        })
    }

    /// Whether this is SERIAL or LOCAL_SERIAL.
    pub fn is_serial(self) -> bool {
        matches!(self, Consistency::Serial | Consistency::LocalSerial)
    }

    /// The name as written in CQL and in the Python driver (`LOCAL_QUORUM`).
    pub fn as_str(self) -> &'static str {
        match self {
            Consistency::Any => "ANY",
            Consistency::One => "ONE",
            Consistency::Two => "TWO",
            Consistency::Three => "THREE",
            Consistency::Quorum => "QUORUM",
            Consistency::All => "ALL",
            Consistency::LocalQuorum => "LOCAL_QUORUM",
            Consistency::EachQuorum => "EACH_QUORUM",
            Consistency::Serial => "SERIAL",
            Consistency::LocalSerial => "LOCAL_SERIAL",
            Consistency::LocalOne => "LOCAL_ONE",
        }
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
