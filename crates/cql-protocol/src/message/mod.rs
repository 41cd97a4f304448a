//! Request and response messages.

pub mod request;
pub mod response;

pub use request::{
    AuthResponse, Batch, BatchStatement, BatchStatementKind, BatchType, EncodeOptions, EventType,
    Execute, Prepare, Query, QueryParameters, Register, Request, Startup, encode_request,
    encode_request_with,
};
pub use response::{
    ErrorDecodeOptions, ErrorKind, ErrorResponse, Event, Prepared, Response, ResponseFrame,
    ResultMessage, Rows, SchemaChange, decode_response, encode_response,
};
