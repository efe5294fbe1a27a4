//! The server half of Hawk, as Taskcluster's services verify a request: permanent credentials
//! by their access token, temporary ones by their certificate; and the issuing of temporary
//! credentials (the stand-in's login). Signing is the product's
//! (`taskgraph_preview::taskcluster::hawk`), whose building blocks this uses.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use taskgraph_preview::taskcluster::hawk::{mac, normalized, payload_hash, url_parts};
pub use taskgraph_preview::taskcluster::hawk::{Credentials, HawkError};

/// The attributes of a Hawk `Authorization` header.
pub fn parse_header(header: &str) -> Result<Vec<(String, String)>, HawkError> {
    let malformed = |m: &str| HawkError::Malformed {
        message: m.to_string(),
    };
    let rest = header
        .trim()
        .strip_prefix("Hawk ")
        .ok_or_else(|| malformed("not a Hawk header"))?;
    let mut attrs = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let (key, after) = s
            .split_once('=')
            .ok_or_else(|| malformed("expected key=\"value\""))?;
        let after = after
            .strip_prefix('"')
            .ok_or_else(|| malformed("values must be quoted"))?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                }
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.ok_or_else(|| malformed("unterminated value"))?;
        attrs.push((key.trim().to_string(), value));
        s = after
            .get(end + 1..)
            .unwrap_or("")
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    Ok(attrs)
}

/// Verifies a request's `Authorization` header with the credentials of its client (what the
/// real services do; our stand-in uses it). Returns the client id.
pub fn verify(
    header: &str,
    method: &str,
    url: &str,
    body: Option<(&str, &[u8])>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, HawkError> {
    let attrs = parse_header(header)?;
    let id = attr(&attrs, "id").ok_or(HawkError::Malformed {
        message: "no id".into(),
    })?;
    let key = lookup(id).ok_or(HawkError::BadMac)?;
    check_mac(&attrs, &key, method, url, body)?;
    Ok(id.to_string())
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Checks the payload hash and the MAC of a parsed header with `key`.
fn check_mac(
    attrs: &[(String, String)],
    key: &str,
    method: &str,
    url: &str,
    body: Option<(&str, &[u8])>,
) -> Result<(), HawkError> {
    let get = |k: &str| attr(attrs, k);
    let ts: u64 = get("ts")
        .and_then(|t| t.parse().ok())
        .ok_or(HawkError::Malformed {
            message: "no ts".into(),
        })?;
    let nonce = get("nonce").unwrap_or("");
    let (host, port, resource) = url_parts(url)?;
    let hash = get("hash").unwrap_or("");
    if let (Some((content_type, body)), false) = (body, hash.is_empty()) {
        if payload_hash(content_type, body) != hash {
            return Err(HawkError::BadPayloadHash);
        }
    }
    let normalized = normalized(
        ts,
        nonce,
        method,
        &resource,
        &host,
        port,
        hash,
        get("ext").unwrap_or(""),
    );
    if get("mac") != Some(mac(key, &normalized).as_str()) {
        return Err(HawkError::BadMac);
    }
    Ok(())
}

/// The longest a temporary credential may live, as Taskcluster allows.
pub const TEMPORARY_MAX_MS: i64 = 31 * 24 * 60 * 60 * 1000;
/// How far a certificate's start and expiry may be off the verifier's clock.
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// The certificate of temporary credentials (Taskcluster's `version: 1`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    pub version: u32,
    pub scopes: Vec<String>,
    /// Milliseconds since the epoch.
    pub start: i64,
    pub expiry: i64,
    pub seed: String,
    pub signature: String,
    /// Set for named temporary credentials (their clientId is not the issuer's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// The text a certificate's signature covers (Taskcluster's temporary-credentials rules).
fn certificate_content(cert: &Certificate, client_id: &str) -> String {
    let mut lines = vec![format!("version:{}", cert.version)];
    if let Some(issuer) = &cert.issuer {
        lines.push(format!("clientId:{client_id}"));
        lines.push(format!("issuer:{issuer}"));
    }
    lines.push(format!("seed:{}", cert.seed));
    lines.push(format!("start:{}", cert.start));
    lines.push(format!("expiry:{}", cert.expiry));
    lines.push("scopes:".into());
    lines.extend(cert.scopes.iter().cloned());
    lines.join("\n")
}

/// The access token of temporary credentials: HMAC-SHA256 of the seed with the issuer's
/// access token, base64url without padding.
pub fn temporary_access_token(issuer_access_token: &str, seed: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut m = Hmac::<Sha256>::new_from_slice(issuer_access_token.as_bytes())
        .expect("HMAC takes keys of any size");
    m.update(seed.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// Issues temporary credentials from `issuer`'s permanent ones, as Taskcluster's clients'
/// `createTemporaryCredentials` does: named (`name` as clientId, the issuer in the
/// certificate) or not. `seed` is an input (44 characters in Taskcluster's).
pub fn temporary_credentials(
    issuer: &Credentials,
    name: Option<&str>,
    scopes: &[String],
    start_ms: i64,
    expiry_ms: i64,
    seed: &str,
) -> Credentials {
    let mut cert = Certificate {
        version: 1,
        scopes: scopes.to_vec(),
        start: start_ms,
        expiry: expiry_ms,
        seed: seed.to_string(),
        signature: String::new(),
        issuer: name.map(|_| issuer.client_id.clone()),
    };
    let client_id = name.unwrap_or(&issuer.client_id).to_string();
    cert.signature = mac(
        &issuer.access_token,
        &certificate_content(&cert, &client_id),
    );
    Credentials {
        client_id,
        access_token: temporary_access_token(&issuer.access_token, seed),
        certificate: serde_json::to_string(&cert).ok(),
    }
}

/// Who signed a request, as Taskcluster's services see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub client_id: String,
    /// The scopes of temporary credentials (`None`: a permanent client's own scopes).
    pub certificate_scopes: Option<Vec<String>>,
}

/// Verifies a request like Taskcluster's services: permanent credentials by their access token
/// (`lookup`), temporary ones by their certificate (`ext`), which must be signed by a client
/// `lookup` knows, valid at `now_ms`, and whose derived access token signed the request.
pub fn verify_taskcluster(
    header: &str,
    method: &str,
    url: &str,
    body: Option<(&str, &[u8])>,
    now_ms: i64,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Verified, HawkError> {
    let attrs = parse_header(header)?;
    let id = attr(&attrs, "id").ok_or(HawkError::Malformed {
        message: "no id".into(),
    })?;
    let certificate = match attr(&attrs, "ext").filter(|e| !e.is_empty()) {
        None => None,
        Some(ext) => certificate_of_ext(ext)?,
    };
    let Some(cert) = certificate else {
        let key = lookup(id).ok_or(HawkError::BadMac)?;
        check_mac(&attrs, &key, method, url, body)?;
        return Ok(Verified {
            client_id: id.to_string(),
            certificate_scopes: None,
        });
    };
    let invalid = |m: String| HawkError::InvalidCertificate { message: m };
    if cert.version != 1 {
        return Err(invalid(format!("version {} is not 1", cert.version)));
    }
    if cert.seed.len() != 44 {
        return Err(invalid("the seed is not 44 characters long".into()));
    }
    if cert.start > now_ms.saturating_add(CLOCK_SKEW_MS) {
        return Err(invalid(
            "it is not valid yet (start is in the future)".into(),
        ));
    }
    if cert.expiry < now_ms.saturating_sub(CLOCK_SKEW_MS) {
        return Err(invalid("it has expired".into()));
    }
    if cert.expiry.saturating_sub(cert.start) > TEMPORARY_MAX_MS {
        return Err(invalid("it spans more than 31 days".into()));
    }
    let issuer = match &cert.issuer {
        Some(issuer) if issuer == id => {
            return Err(invalid(
                "the issuer is the credentials' own clientId".into(),
            ))
        }
        Some(issuer) => issuer.as_str(),
        None => id,
    };
    let issuer_token =
        lookup(issuer).ok_or_else(|| invalid(format!("unknown issuer {issuer:?}")))?;
    if cert.signature != mac(&issuer_token, &certificate_content(&cert, id)) {
        return Err(invalid(
            "the signature does not match (wrong issuer or clientId)".into(),
        ));
    }
    let key = temporary_access_token(&issuer_token, &cert.seed);
    check_mac(&attrs, &key, method, url, body)?;
    Ok(Verified {
        client_id: id.to_string(),
        certificate_scopes: Some(cert.scopes),
    })
}

/// The certificate in a Taskcluster `ext` (base64 of `{"certificate": ...}`), if any.
fn certificate_of_ext(ext: &str) -> Result<Option<Certificate>, HawkError> {
    let malformed = |m: String| HawkError::Malformed { message: m };
    let bytes = STANDARD
        .decode(ext)
        .map_err(|e| malformed(format!("ext is not base64: {e}")))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| malformed(format!("ext is not JSON: {e}")))?;
    let Some(cert) = value.get("certificate") else {
        return Ok(None);
    };
    // Clients send the certificate as an object; some as its JSON text.
    let cert = match cert {
        serde_json::Value::String(text) => serde_json::from_str(text),
        other => serde_json::from_value(other.clone()),
    }
    .map_err(|e| HawkError::InvalidCertificate {
        message: e.to_string(),
    })?;
    Ok(Some(cert))
}

/// Whether `granted` satisfies `required` (a granted scope ending in `*` covers every scope
/// it is a prefix of, as in Taskcluster).
pub fn scope_satisfied(granted: &[String], required: &str) -> bool {
    granted.iter().any(|g| match g.strip_suffix('*') {
        Some(prefix) => required.starts_with(prefix),
        None => g == required,
    })
}

/// Fuzz entry (the cargo-fuzz target `hawk`, and the corpus replay below): the Hawk
/// `Authorization` header as the stand-in verifies it never panics.
pub fn fuzz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (header, url) = text
        .split_once('\n')
        .unwrap_or((&text, "http://127.0.0.1:8010/api"));
    let _ = parse_header(header);
    let _ = verify(
        header,
        "POST",
        url,
        Some(("application/json", data)),
        |id| (id == "demo").then(|| "token".to_string()),
    );
    // Temporary credentials: the certificate in `ext`, at any time.
    let now = i64::from_le_bytes(
        data.get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 8]),
    );
    let _ = verify_taskcluster(
        header,
        "POST",
        url,
        Some(("application/json", data)),
        now,
        |id| (id == "demo").then(|| "token".to_string()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskgraph_preview::taskcluster::hawk::{authorization, taskcluster_ext, Request};

    /// Replays the fuzz corpus of the `hawk` target (`fuzz/corpus/hawk/`, grown by `make fuzz`).
    #[test]
    fn hawk_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/hawk");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| fuzz(&data));
            assert!(outcome.is_ok(), "hawk: {} panics", path.display());
            count += 1;
        }
        assert!(count > 0, "hawk: no corpus in {}", dir.display());
    }

    #[test]
    fn verify_round_trip_and_tampering() {
        let creds = Credentials {
            client_id: "sheriff".into(),
            access_token: "secret".into(),
            certificate: Some("{\"version\":1,\"scopes\":[\"hooks:trigger-hook:*\"]}".into()),
        };
        let body = br#"{"user": 1}"#;
        let url = "http://127.0.0.1:8123/api/hooks/v1/hooks/g/h/trigger";
        let req = Request {
            method: "POST",
            url,
            payload: Some(("application/json", body)),
            timestamp: 1700000000,
            nonce: "n0nce",
        };
        let ext = taskcluster_ext(&creds).unwrap();
        let header = authorization(&creds, &req, ext.as_deref()).unwrap();
        let lookup = |id: &str| (id == "sheriff").then(|| "secret".to_string());
        assert_eq!(
            verify(
                &header,
                "POST",
                url,
                Some(("application/json", body)),
                lookup
            )
            .unwrap(),
            "sheriff"
        );
        assert_eq!(
            verify(
                &header,
                "POST",
                url,
                Some(("application/json", b"{\"user\": 2}")),
                lookup
            ),
            Err(HawkError::BadPayloadHash)
        );
        assert_eq!(
            verify(
                &header,
                "PUT",
                url,
                Some(("application/json", body)),
                lookup
            ),
            Err(HawkError::BadMac)
        );
        let wrong = |_: &str| Some("other".to_string());
        assert_eq!(
            verify(
                &header,
                "POST",
                url,
                Some(("application/json", body)),
                wrong
            ),
            Err(HawkError::BadMac)
        );
        assert!(!format!("{creds:?}").contains("secret"));
    }

    /// Named temporary credentials, checked against Taskcluster's JavaScript client's
    /// `createTemporaryCredentials` (node's crypto, same inputs).
    #[test]
    fn temporary_credentials_match_taskclusters_client_and_verify() {
        let issuer = Credentials {
            client_id: "demo-sheriff".into(),
            access_token: "demo-access-token".into(),
            certificate: None,
        };
        let scopes = vec![
            "hooks:trigger-hook:project-nss/in-tree-action-3-generic/0123456789".to_string(),
            "in-tree:hook-action:project-nss/in-tree-action-3-generic/0123456789".to_string(),
        ];
        let seed = format!("{}{}", "A".repeat(22), "b".repeat(22));
        let start = 1_764_633_600_000;
        let temp = temporary_credentials(
            &issuer,
            Some("demo-sheriff/taskgraph-preview"),
            &scopes,
            start,
            start + 3_600_000,
            &seed,
        );
        assert_eq!(temp.client_id, "demo-sheriff/taskgraph-preview");
        assert_eq!(
            temp.access_token,
            "yUx6ai3GPdAyh3TA1OOHrDf6SN78Px1gBL00XIjEBWA"
        );
        let cert: Certificate = serde_json::from_str(temp.certificate.as_deref().unwrap()).unwrap();
        assert_eq!(
            cert.signature,
            "+eiEquZY/tdOBYisQ/L6eoGh75XQsIuqixTu3qFB5Bs="
        );
        assert_eq!(cert.issuer.as_deref(), Some("demo-sheriff"));

        let url = "http://127.0.0.1:8010/api/hooks/v1/hooks/g/h/trigger";
        let body = b"{}";
        let req = Request {
            method: "POST",
            url,
            payload: Some(("application/json", body)),
            timestamp: 1_764_633_700,
            nonce: "n",
        };
        let ext = taskcluster_ext(&temp).unwrap();
        let header = authorization(&temp, &req, ext.as_deref()).unwrap();
        let lookup = |id: &str| (id == "demo-sheriff").then(|| "demo-access-token".to_string());
        let body = Some(("application/json", &body[..]));
        let verified =
            verify_taskcluster(&header, "POST", url, body, start + 60_000, lookup).unwrap();
        assert_eq!(verified.client_id, "demo-sheriff/taskgraph-preview");
        assert_eq!(verified.certificate_scopes.as_deref(), Some(&scopes[..]));
        // Expired, not yet valid, unknown issuer, a forged scope list.
        let later = start + 3_600_000 + 10 * 60_000;
        assert!(matches!(
            verify_taskcluster(&header, "POST", url, body, later, lookup),
            Err(HawkError::InvalidCertificate { message }) if message.contains("expired")
        ));
        assert!(matches!(
            verify_taskcluster(&header, "POST", url, body, start - 3_600_000, lookup),
            Err(HawkError::InvalidCertificate { .. })
        ));
        assert!(matches!(
            verify_taskcluster(&header, "POST", url, body, start, |_| None),
            Err(HawkError::InvalidCertificate { message }) if message.contains("unknown issuer")
        ));
        let mut forged = cert.clone();
        forged.scopes.push("*".into());
        let forged = Credentials {
            certificate: serde_json::to_string(&forged).ok(),
            ..temp.clone()
        };
        let ext = taskcluster_ext(&forged).unwrap();
        let header = authorization(&forged, &req, ext.as_deref()).unwrap();
        assert!(matches!(
            verify_taskcluster(&header, "POST", url, body, start, lookup),
            Err(HawkError::InvalidCertificate { message }) if message.contains("signature")
        ));
        // Permanent credentials still verify, with no certificate scopes.
        let header = authorization(&issuer, &req, None).unwrap();
        let verified = verify_taskcluster(&header, "POST", url, body, start, lookup).unwrap();
        assert_eq!(verified.certificate_scopes, None);
        assert!(!format!("{temp:?}").contains(&temp.access_token));
    }

    #[test]
    fn scopes_with_a_star_cover_their_prefix() {
        let granted = vec![
            "hooks:trigger-hook:project-nss/*".to_string(),
            "a:b".to_string(),
        ];
        assert!(scope_satisfied(
            &granted,
            "hooks:trigger-hook:project-nss/x/y"
        ));
        assert!(scope_satisfied(&granted, "a:b"));
        assert!(!scope_satisfied(&granted, "a:bc"));
        assert!(!scope_satisfied(
            &granted,
            "hooks:trigger-hook:project-gecko/x"
        ));
    }
}
