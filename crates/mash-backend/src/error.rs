//! The backend's one error type, and the one place it becomes an HTTP
//! status ([`Error::status`], [`IntoResponse`]).

use std::fmt;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mash_core::commissioning::QrError;
use tracing::error;

use crate::api::ErrorBody;

/// Everything that can go wrong in the backend: the request's fault
/// (4xx), or the backend's (5xx, startup).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No bearer token, or one the configuration does not know (401).
    Unauthorized,
    /// The token is valid but not for this site or SMGW (403).
    Forbidden,
    /// The uploaded QR code does not parse (400); mash-core's error names
    /// the field.
    InvalidQr(QrError),
    /// The request is malformed: body, query or result (400).
    InvalidRequest(String),
    /// No such registration or job, or no such route (404).
    NotFound,
    /// A result for a job that is not leased to the caller (409).
    Conflict(String),
    /// The database failed (500; 503 on the health check).
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// The configuration file is unusable (startup only).
    Config(String),
    /// Reading the configuration or binding the socket failed (startup
    /// only).
    Io(std::io::Error),
}

impl Error {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::InvalidQr(_) | Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Store(_) | Self::Config(_) | Self::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in [`ErrorBody::error`].
    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::InvalidQr(_) => "invalid_qr",
            Self::InvalidRequest(_) => "invalid_request",
            Self::NotFound => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Store(_) | Self::Config(_) | Self::Io(_) => "internal",
        }
    }

    fn body(&self) -> ErrorBody {
        let message = match self {
            // Details stay in the log.
            Self::Store(_) | Self::Config(_) | Self::Io(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        ErrorBody {
            error: self.code().to_owned(),
            message,
            field: match self {
                Self::InvalidQr(e) => Some(qr_field(e).to_owned()),
                _ => None,
            },
        }
    }
}

/// The QR field a parse error is about.
fn qr_field(e: &QrError) -> &'static str {
    match e {
        QrError::Prefix => "prefix",
        QrError::FieldCount(_) => "fields",
        QrError::Version | QrError::UnsupportedVersion(_) => "version",
        QrError::Discriminator => "discriminator",
        QrError::SetupCode(_) => "setup_code",
        QrError::VendorId => "vendor_id",
        QrError::ProductId => "product_id",
        _ => "qr",
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            error!(error = %self, "request failed");
        }
        let mut response = (status, Json(self.body())).into_response();
        if matches!(self, Self::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unauthorized => f.write_str("missing or unknown bearer token"),
            Self::Forbidden => f.write_str("this token is not allowed here"),
            Self::InvalidQr(e) => write!(f, "invalid qr code: {e}"),
            Self::InvalidRequest(what) => write!(f, "invalid request: {what}"),
            Self::NotFound => f.write_str("not found"),
            Self::Conflict(what) => write!(f, "conflict: {what}"),
            Self::Store(e) => write!(f, "database: {e}"),
            Self::Config(what) => write!(f, "configuration: {what}"),
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidQr(e) => Some(e),
            Self::Store(e) => Some(e.as_ref()),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Store(Box::new(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mash_core::commissioning::QrPayload;

    #[test]
    fn qr_errors_name_their_field() {
        let field = |qr: &str| {
            let e = QrPayload::parse(qr).map(drop).map_err(Error::InvalidQr);
            e.err().and_then(|e| e.body().field)
        };
        assert_eq!(field("MASH:1:1234:2020202"), Some("setup_code".into()));
        assert_eq!(field("MASH:1:5000:20202021"), Some("discriminator".into()));
        assert_eq!(field("QR:1:1234:20202021"), Some("prefix".into()));
        assert_eq!(field("MASH:1:1234"), Some("fields".into()));
        assert_eq!(
            field("MASH:1:1234:20202021:0x1g:1"),
            Some("vendor_id".into())
        );
        assert_eq!(field("MASH:1:1234:20202021"), None);
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let e = Error::Store("disk I/O error at /var/lib/secret".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.body().message, "internal error");
    }
}
