//! Interaction-model status codes (INTEROP.md §6.1).

use crate::macros::wire_enum;

wire_enum! {
    /// The status of a response (`2:` in a Response envelope).
    pub enum StatusCode: u8 {
        /// The operation succeeded.
        Success = 0 => "SUCCESS",
        /// The endpoint does not exist.
        InvalidEndpoint = 1 => "INVALID_ENDPOINT",
        /// The feature does not exist on the endpoint.
        InvalidFeature = 2 => "INVALID_FEATURE",
        /// The attribute does not exist or is not readable.
        InvalidAttribute = 3 => "INVALID_ATTRIBUTE",
        /// The command does not exist.
        InvalidCommand = 4 => "INVALID_COMMAND",
        /// A request field or parameter is missing or malformed.
        InvalidParameter = 5 => "INVALID_PARAMETER",
        /// The attribute cannot be written.
        ReadOnly = 6 => "READ_ONLY",
        /// The attribute cannot be read.
        WriteOnly = 7 => "WRITE_ONLY",
        /// The caller's zone may not do this.
        NotAuthorized = 8 => "NOT_AUTHORIZED",
        /// The device cannot serve the request now.
        Busy = 9 => "BUSY",
        /// The operation is not supported here.
        Unsupported = 10 => "UNSUPPORTED",
        /// A value violates its type, range or nullability.
        ConstraintError = 11 => "CONSTRAINT_ERROR",
        /// The operation timed out.
        Timeout = 12 => "TIMEOUT",
        /// A per-connection resource limit was hit.
        ResourceExhausted = 13 => "RESOURCE_EXHAUSTED",
    }
}

impl StatusCode {
    /// Whether this is [`StatusCode::Success`].
    pub fn is_success(self) -> bool {
        self == Self::Success
    }
}
