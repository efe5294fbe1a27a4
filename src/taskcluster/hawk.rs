//! Hawk request signing (the scheme Taskcluster uses). Timestamps and nonces are inputs, so
//! signing is deterministic and testable against the published Hawk test vectors. Verifying
//! (the server half) is the stand-in's (`standin/src/hawk.rs`), built on [`payload_hash`],
//! [`mac`], [`normalized`] and [`url_parts`].
//!
//! Taskcluster specifics: the Hawk id is the `clientId`, the key the `accessToken`, and
//! temporary credentials put their certificate in `ext` as base64 of
//! `{"certificate": {...}}`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A user's Taskcluster credentials. `Debug` never prints the access token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub access_token: String,
    /// The certificate of temporary credentials, as the JSON text Taskcluster hands out.
    pub certificate: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("access_token", &"<redacted>")
            .field(
                "certificate",
                &self.certificate.as_ref().map(|_| "<certificate>"),
            )
            .finish()
    }
}

/// What a signature covers besides the credentials.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// `(content type, body)` when the request has a body (its hash is signed).
    pub payload: Option<(&'a str, &'a [u8])>,
    /// Seconds since the epoch.
    pub timestamp: u64,
    pub nonce: &'a str,
}

/// Why a request could not be signed or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HawkError {
    #[error("cannot sign a request to {url:?}: not an absolute http(s) URL")]
    BadUrl { url: String },
    #[error("the certificate of the temporary credentials is not JSON: {message}")]
    BadCertificate { message: String },
    #[error("hawk authorization header is malformed: {message}")]
    Malformed { message: String },
    #[error("hawk signature does not match (wrong credentials, or the request was altered)")]
    BadMac,
    #[error("hawk payload hash does not match the body")]
    BadPayloadHash,
    #[error("the certificate of the temporary credentials is not valid: {message}")]
    InvalidCertificate { message: String },
}

/// The parts of a URL Hawk signs: host, port, and path with query.
pub fn url_parts(url: &str) -> Result<(String, u16, String), HawkError> {
    let bad = || HawkError::BadUrl {
        url: url.to_string(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err(bad()),
    };
    let (authority, resource) = match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("/")),
        None => (rest, "/"),
    };
    let resource = resource.split('#').next().unwrap_or("/");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => (h, p.parse().map_err(|_| bad())?),
        _ => (authority, default_port),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_ascii_lowercase(), port, resource.to_string()))
}

/// `hawk.1.payload` hash of a body.
pub fn payload_hash(content_type: &str, body: &[u8]) -> String {
    let content_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut hasher = Sha256::new();
    hasher.update(b"hawk.1.payload\n");
    hasher.update(content_type.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher.update(b"\n");
    STANDARD.encode(hasher.finalize())
}

pub fn mac(key: &str, normalized: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut m =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any size");
    m.update(normalized.as_bytes());
    STANDARD.encode(m.finalize().into_bytes())
}

#[allow(clippy::too_many_arguments)]
pub fn normalized(
    ts: u64,
    nonce: &str,
    method: &str,
    resource: &str,
    host: &str,
    port: u16,
    hash: &str,
    ext: &str,
) -> String {
    let ext = ext.replace('\\', "\\\\").replace('\n', "\\n");
    format!(
        "hawk.1.header\n{ts}\n{nonce}\n{}\n{resource}\n{host}\n{port}\n{hash}\n{ext}\n",
        method.to_ascii_uppercase()
    )
}

/// The `ext` Taskcluster puts in a signature: base64 of `{"certificate": ...}` for temporary
/// credentials, nothing otherwise.
pub fn taskcluster_ext(credentials: &Credentials) -> Result<Option<String>, HawkError> {
    let Some(certificate) = &credentials.certificate else {
        return Ok(None);
    };
    let cert: serde_json::Value =
        serde_json::from_str(certificate).map_err(|e| HawkError::BadCertificate {
            message: e.to_string(),
        })?;
    let ext = serde_json::json!({ "certificate": cert });
    Ok(Some(STANDARD.encode(ext.to_string())))
}

/// The `Authorization` header value for a request.
pub fn authorization(
    credentials: &Credentials,
    request: &Request<'_>,
    ext: Option<&str>,
) -> Result<String, HawkError> {
    let (host, port, resource) = url_parts(request.url)?;
    let hash = request
        .payload
        .map(|(content_type, body)| payload_hash(content_type, body))
        .unwrap_or_default();
    let ext = ext.unwrap_or("");
    let normalized = normalized(
        request.timestamp,
        request.nonce,
        request.method,
        &resource,
        &host,
        port,
        &hash,
        ext,
    );
    let mac = mac(&credentials.access_token, &normalized);
    let mut header = format!(
        "Hawk id=\"{}\", ts=\"{}\", nonce=\"{}\"",
        credentials.client_id, request.timestamp, request.nonce
    );
    if !hash.is_empty() {
        header.push_str(&format!(", hash=\"{hash}\""));
    }
    if !ext.is_empty() {
        header.push_str(&format!(
            ", ext=\"{}\"",
            ext.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    header.push_str(&format!(", mac=\"{mac}\""));
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector_credentials() -> Credentials {
        Credentials {
            client_id: "dh37fgj492je".into(),
            access_token: "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn".into(),
            certificate: None,
        }
    }

    /// The published examples of the Hawk specification (hueniverse/hawk README).
    #[test]
    fn published_hawk_vectors() {
        let get = Request {
            method: "GET",
            url: "http://example.com:8000/resource/1?b=1&a=2",
            payload: None,
            timestamp: 1353832234,
            nonce: "j4h3g2",
        };
        assert_eq!(
            authorization(&vector_credentials(), &get, Some("some-app-ext-data")).unwrap(),
            "Hawk id=\"dh37fgj492je\", ts=\"1353832234\", nonce=\"j4h3g2\", ext=\"some-app-ext-data\", mac=\"6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=\""
        );
        let post = Request {
            method: "POST",
            payload: Some(("text/plain", b"Thank you for flying Hawk")),
            ..get
        };
        assert_eq!(
            authorization(&vector_credentials(), &post, Some("some-app-ext-data")).unwrap(),
            "Hawk id=\"dh37fgj492je\", ts=\"1353832234\", nonce=\"j4h3g2\", hash=\"Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=\", ext=\"some-app-ext-data\", mac=\"aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=\""
        );
    }
}
