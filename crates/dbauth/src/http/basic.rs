//! HTTP basic credentials (RFC 7617).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::{Error, Secret};

/// How the username and password are turned into bytes before base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// ISO-8859-1 (Latin-1): characters above U+00FF cannot be sent.
    Latin1,
}

/// A username and password (the reference client's `Auth`).
#[derive(Clone)]
pub struct Auth {
    username: String,
    password: Secret,
    encoding: Encoding,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            username,
            password: _,
            encoding,
        } = self;
        f.debug_struct("Auth")
            .field("username", username)
            .field("password", &"***")
            .field("encoding", encoding)
            .finish()
    }
}

impl Auth {
    /// Credentials, UTF-8 encoded.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Auth {
            username: username.into(),
            password: password.into(),
            encoding: Encoding::Utf8,
        }
    }

    /// Changes the encoding.
    #[must_use]
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password.
    pub fn password(&self) -> &Secret {
        &self.password
    }

    /// The encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The value of the `Authorization` header: `Basic base64(user:password)`.
    pub fn basic_header_value(&self) -> Result<Secret, Error> {
        if self.username.contains(':') {
            return Err(Error::InvalidCredentials(
                "a username for HTTP basic auth cannot contain ':' (RFC 7617)".into(),
            ));
        }
        let plain =
            zeroize::Zeroizing::new(format!("{}:{}", self.username, self.password.expose()));
        let bytes = zeroize::Zeroizing::new(match self.encoding {
            Encoding::Utf8 => plain.as_bytes().to_vec(),
            Encoding::Latin1 => plain
                .chars()
                .map(|c| u8::try_from(u32::from(c)))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| {
                    Error::InvalidCredentials(
                        "credentials are not representable in ISO-8859-1".into(),
                    )
                })?,
        });
        Ok(Secret::new(format!(
            "Basic {}",
            STANDARD.encode(bytes.as_slice())
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7617_example() {
        let a = Auth::new("Aladdin", "open sesame");
        assert_eq!(
            a.basic_header_value().expect("header").expose(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn encodings() {
        let a = Auth::new("test", "123£");
        assert_eq!(
            a.basic_header_value().expect("utf8").expose(),
            "Basic dGVzdDoxMjPCow=="
        );
        let a = a.with_encoding(Encoding::Latin1);
        assert_eq!(
            a.basic_header_value().expect("latin1").expose(),
            "Basic dGVzdDoxMjOj"
        );
        let a = Auth::new("x", "€").with_encoding(Encoding::Latin1);
        assert!(matches!(
            a.basic_header_value(),
            Err(Error::InvalidCredentials(_))
        ));
    }

    #[test]
    fn colon_in_username_is_rejected_and_debug_hides_the_password() {
        let a = Auth::new("a:b", "secret-pw");
        assert!(matches!(
            a.basic_header_value(),
            Err(Error::InvalidCredentials(_))
        ));
        assert!(!format!("{a:?}").contains("secret-pw"));
        let e = a.basic_header_value().expect_err("colon");
        assert!(!e.to_string().contains("secret-pw"));
    }
}
