//! Taskcluster's third-party login on the stand-in (`<rootUrl>/login/oauth/…`, the OAuth2
//! authorization-code flow of Taskcluster's web-server, as Treeherder and other web tools use
//! it): a consent page, the code-for-token exchange, and the token-for-credentials endpoint.
//!
//! The stand-in has one signed-in user: a permanent client of `credentials.json` (default
//! `demo-sheriff`). Consenting issues *temporary* credentials signed by that client's access
//! token (named `<user>/<OAuth2 client id>`, with the requested scopes in the certificate),
//! which the stand-in's Hawk check accepts for exactly those scopes.
//!
//! OAuth2 clients are registered with a redirect-URI prefix (`--login-client ID=PREFIX`); the
//! client `taskgraph-preview` may always redirect to the stand-in's own origin (the demo page).
//! Nothing ever redirects to a URL that no registered client claims.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::hawk;
use crate::routes::{json_reply, Reply};

/// The OAuth2 client id of the page, registered for the stand-in's own origin by default.
pub const DEFAULT_CLIENT: &str = "taskgraph-preview";
/// The scopes every OAuth2 client of the stand-in is registered with (Treeherder's, and what
/// the page asks for by default). As Taskcluster's web-server does, a sign-in asking for any
/// other set is refused with `invalid_scope` once the user consents.
pub const REGISTERED_SCOPES: &[&str] = &["hooks:trigger-hook:*"];
/// The stand-in's signed-in user when none is configured.
pub const DEFAULT_USER: &str = "demo-sheriff";
/// A code must be exchanged this soon (Taskcluster: 10 minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// An OAuth2 access token lives this long (Taskcluster: 15 minutes).
const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
/// The longest credentials a client may ask for (Treeherder's client is registered with 3 days).
const MAX_EXPIRES: Duration = Duration::from_secs(3 * 24 * 3600);

/// The login configuration and its state (pending consents, codes, tokens), shared by all
/// request threads.
#[derive(Clone, Default)]
pub struct Login {
    /// Registered OAuth2 clients: id and the prefix every redirect URI must start with.
    pub clients: Vec<(String, String)>,
    /// The scopes every client is registered with (empty: [`REGISTERED_SCOPES`]).
    pub scopes: Vec<String>,
    /// The signed-in user (a clientId of `credentials.json`); empty: [`DEFAULT_USER`].
    pub user: String,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("clients", &self.clients)
            .field("scopes", &self.scopes)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    /// Consent pages shown, by transaction id.
    pending: HashMap<String, Request>,
    /// Authorization codes not yet exchanged.
    codes: HashMap<String, (Request, Instant)>,
    /// OAuth2 access tokens and the credentials they stand for.
    tokens: HashMap<String, Issued>,
}

/// What an authorize request asks for (already checked).
#[derive(Clone)]
struct Request {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    expires: Duration,
    state: Option<String>,
}

struct Issued {
    credentials: hawk::Credentials,
    expires: chrono::DateTime<chrono::Utc>,
    token_expires: Instant,
}

impl Login {
    pub fn new(clients: Vec<(String, String)>, scopes: Vec<String>, user: Option<String>) -> Login {
        Login {
            clients: clients
                .into_iter()
                .map(|(id, prefix)| (id, normalize_prefix(&prefix)))
                .collect(),
            scopes,
            user: user.unwrap_or_default(),
            state: Arc::default(),
        }
    }

    /// The registered scopes, sorted.
    fn registered(&self) -> Vec<String> {
        let mut scopes: Vec<String> = if self.scopes.is_empty() {
            REGISTERED_SCOPES.iter().map(|s| s.to_string()).collect()
        } else {
            self.scopes.clone()
        };
        scopes.sort();
        scopes.dedup();
        scopes
    }

    fn user(&self) -> &str {
        if self.user.is_empty() {
            DEFAULT_USER
        } else {
            &self.user
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicked thread cannot leave the maps half-written: every change is one insert
        // or remove, so a poisoned lock is still consistent.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget what can no longer be used (a long-running demo keeps no garbage).
        let now = Instant::now();
        state
            .codes
            .retain(|_, (_, issued)| now.duration_since(*issued) <= CODE_LIFETIME);
        state.tokens.retain(|_, t| t.token_expires >= now);
        if state.pending.len() > 1000 {
            state.pending.clear();
        }
        state
    }
}

/// `http://host:port` becomes `http://host:port/`, so a prefix never matches another host
/// (`http://host:portX…`, `http://host:port.evil.example/`).
fn normalize_prefix(prefix: &str) -> String {
    let rest = prefix.split_once("://").map_or("", |(_, r)| r);
    if rest.contains('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

/// One `key=value&…` string (a query or a form body), decoded; keys may repeat.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (
                taskgraph_preview::url::percent_decode(k, true),
                taskgraph_preview::url::percent_decode(v, true),
            )
        })
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A random URL-safe string of `bytes` random bytes (22 characters for 16, as slugids).
fn random_id(bytes: usize) -> Option<String> {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The origin (`scheme://authority`) of an absolute http(s) URL without user info.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// A plain HTML page (no script, no style) under a CSP that allows nothing but forms to this
/// origin and `form_target`.
fn page(status: u16, title: &str, body: &str, form_target: Option<&str>) -> Reply {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body><h1>{}</h1>\n{body}\n</body></html>\n",
        escape(title),
        escape(title)
    );
    let mut reply = Reply::new(status, html.into_bytes(), "text/html; charset=utf-8");
    let form_action = match form_target {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".into(),
    };
    reply.headers.push((
        "Content-Security-Policy",
        format!(
            "default-src 'none'; img-src 'self'; form-action {form_action}; frame-ancestors 'none'"
        ),
    ));
    reply.headers.push(("X-Frame-Options", "DENY".into()));
    reply
}

fn refuse(field: &str, message: &str) -> Reply {
    page(
        400,
        "Sign-in refused",
        &format!(
            "<p id=\"login-error\" data-field=\"{}\">{}</p>",
            escape(field),
            escape(message)
        ),
        None,
    )
}

/// Parses Taskcluster's `expires` (`fromNow` style: `15 minutes`, `1 hour`, `3 days`, `2h`).
fn parse_expires(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let unit = unit.trim();
    let seconds = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86400,
        _ => return None,
    };
    Some(Duration::from_secs(n.checked_mul(seconds)?))
}

/// Checks an authorize request; the field at fault and why otherwise.
fn check_request(
    login: &Login,
    pairs: &[(String, String)],
    host: &str,
) -> Result<Request, (&'static str, String)> {
    match first(pairs, "response_type") {
        Some("code") => {}
        Some(other) => {
            return Err((
                "response_type",
                format!("response_type {other:?} is not supported (only \"code\")"),
            ))
        }
        None => return Err(("response_type", "response_type is missing".into())),
    }
    let client_id = first(pairs, "client_id")
        .filter(|c| !c.is_empty())
        .ok_or(("client_id", "client_id is missing".to_string()))?;
    let redirect_uri = first(pairs, "redirect_uri")
        .filter(|r| !r.is_empty())
        .ok_or(("redirect_uri", "redirect_uri is missing".to_string()))?;
    if origin_of(redirect_uri).is_none() || redirect_uri.contains('#') {
        return Err((
            "redirect_uri",
            format!(
                "redirect_uri {redirect_uri:?} is not an absolute http(s) URL without a fragment"
            ),
        ));
    }
    let own = (client_id == DEFAULT_CLIENT).then(|| format!("http://{host}/"));
    let prefixes: Vec<&str> = login
        .clients
        .iter()
        .filter(|(id, _)| id == client_id)
        .map(|(_, p)| p.as_str())
        .chain(own.as_deref())
        .collect();
    if prefixes.is_empty() {
        return Err((
            "client_id",
            format!("client_id {client_id:?} is not a registered OAuth2 client of this deployment"),
        ));
    }
    if !prefixes.iter().any(|p| redirect_uri.starts_with(p)) {
        return Err((
            "redirect_uri",
            format!(
                "redirect_uri {redirect_uri:?} is not registered for client {client_id:?} (allowed: {})",
                prefixes.join(", ")
            ),
        ));
    }
    // One space-separated parameter, as Taskcluster's web-server (oauth2orize) takes it: a
    // repeated `scope` is refused there ("scope must be a string").
    if pairs.iter().filter(|(k, _)| k == "scope").count() > 1 {
        return Err((
            "scope",
            "scope is given more than once: send the scopes space-separated in one parameter"
                .into(),
        ));
    }
    let scopes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' '))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        return Err(("scope", "no scope was requested".into()));
    }
    let expires = match first(pairs, "expires") {
        None | Some("") => MAX_EXPIRES,
        Some(text) => parse_expires(text)
            .ok_or((
                "expires",
                format!("expires {text:?} is not a duration like \"1 hour\" or \"3 days\""),
            ))?
            .min(MAX_EXPIRES),
    };
    Ok(Request {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes,
        expires,
        state: first(pairs, "state").map(str::to_string),
    })
}

/// `redirect_uri` with `params` added to its query.
fn redirect(redirect_uri: &str, params: &[(&str, &str)]) -> Reply {
    let mut location = redirect_uri.to_string();
    for (i, (k, v)) in params.iter().enumerate() {
        let sep = if i == 0 && !redirect_uri.contains('?') {
            '?'
        } else {
            '&'
        };
        location.push(sep);
        location.push_str(k);
        location.push('=');
        location.push_str(&taskgraph_preview::url::percent_encode(v, b""));
    }
    let mut reply = Reply::new(303, Vec::new(), "text/plain");
    reply.headers.push(("Location", location));
    reply
}

/// `GET /login/oauth/authorize`: the consent page.
pub(super) fn authorize(login: &Login, query: &str, host: &str) -> Reply {
    let pairs = form_pairs(query);
    let request = match check_request(login, &pairs, host) {
        Ok(r) => r,
        Err((field, message)) => return refuse(field, &message),
    };
    let Some(transaction) = random_id(16) else {
        return refuse("", "no randomness available for a transaction id");
    };
    let target = origin_of(&request.redirect_uri);
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let hours = request.expires.as_secs_f64() / 3600.0;
    let body = format!(
        "<p>Signed in to this Taskcluster as <strong id=\"login-user\">{user}</strong>.</p>\n\
         <p><strong id=\"login-client\">{client}</strong> asks for Taskcluster credentials acting \
         for you, for {hours:.1} hours, with these scopes:</p>\n<ul id=\"login-scopes\">{scopes}</ul>\n\
         <p>It will receive them at <code>{redirect}</code>.</p>\n\
         <form method=\"post\" action=\"/login/oauth/authorize/decision\">\
         <input type=\"hidden\" name=\"transaction_id\" value=\"{transaction}\">\
         <button type=\"submit\" id=\"allow\" name=\"decision\" value=\"allow\">Allow</button> \
         <button type=\"submit\" id=\"deny\" name=\"decision\" value=\"deny\">Deny</button></form>",
        user = escape(login.user()),
        client = escape(&request.client_id),
        redirect = escape(&request.redirect_uri),
    );
    login.state().pending.insert(transaction, request);
    page(
        200,
        "Grant Taskcluster credentials",
        &body,
        target.as_deref(),
    )
}

/// `POST /login/oauth/authorize/decision` (the consent form): a 303 back to the client with a
/// code, or with `error=access_denied`.
pub(super) fn decide(login: &Login, body: &[u8]) -> Reply {
    let pairs = form_pairs(&String::from_utf8_lossy(body));
    let transaction = first(&pairs, "transaction_id").unwrap_or("");
    let Some(request) = login.state().pending.remove(transaction) else {
        return refuse(
            "transaction_id",
            "this consent page has expired or was already answered; start the sign-in again",
        );
    };
    let state = request.state.clone();
    let with_state = |mut params: Vec<(&'static str, String)>| {
        if let Some(state) = &state {
            params.push(("state", state.clone()));
        }
        params
    };
    if first(&pairs, "decision") != Some("allow") {
        let params = with_state(vec![("error", "access_denied".into())]);
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return redirect(&request.redirect_uri, &params);
    }
    let mut asked = request.scopes.clone();
    asked.sort();
    asked.dedup();
    if asked != login.registered() {
        let params = with_state(vec![("error", "invalid_scope".into())]);
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return redirect(&request.redirect_uri, &params);
    }
    let Some(code) = random_id(24) else {
        return refuse("", "no randomness available for a code");
    };
    let redirect_uri = request.redirect_uri.clone();
    login
        .state()
        .codes
        .insert(code.clone(), (request, Instant::now()));
    let params = with_state(vec![("code", code)]);
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect(&redirect_uri, &params)
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    json_reply(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// The CORS of the token and credentials endpoints, as the web-server's `thirdPartyCorsOptions`:
/// only the origins of registered clients' redirect URIs (here also the stand-in's own, where
/// the page's client may always redirect) may read them, with credentials; `OPTIONS` is their
/// preflight (204, the request's headers allowed).
pub(super) fn third_party_cors(
    login: &Login,
    mut reply: Reply,
    method: &str,
    origin: Option<&str>,
    requested_headers: Option<&str>,
    host: &str,
) -> Reply {
    let own = format!("http://{host}");
    let allowed = origin.filter(|o| {
        *o == own
            || login
                .clients
                .iter()
                .any(|(_, prefix)| origin_of(prefix).as_deref() == Some(*o))
    });
    if method == "OPTIONS" {
        reply = Reply::new(204, Vec::new(), "");
        reply.headers.push((
            "Access-Control-Allow-Methods",
            "GET,HEAD,PUT,PATCH,POST,DELETE".into(),
        ));
        if let Some(h) = requested_headers {
            reply
                .headers
                .push(("Access-Control-Allow-Headers", h.into()));
        }
    }
    reply.any_origin = false;
    reply.headers.push(("Vary", "Origin".into()));
    reply
        .headers
        .push(("Access-Control-Allow-Credentials", "true".into()));
    if let Some(origin) = allowed {
        reply
            .headers
            .push(("Access-Control-Allow-Origin", origin.into()));
    }
    reply
}

/// `POST /login/oauth/token`: exchanges a code (once) for an OAuth2 access token, issuing the
/// temporary credentials it stands for. `issuer_token` finds a permanent client's access token.
pub(super) fn token(
    login: &Login,
    body: &[u8],
    content_type: &str,
    issuer_token: impl Fn(&str) -> Option<String>,
) -> Reply {
    // The web-server's body parsers take a form or JSON.
    let pairs = if content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect()
    } else {
        form_pairs(&String::from_utf8_lossy(body))
    };
    // oauth2orize's statuses: 501 for another grant type, 403 for a code it will not exchange.
    match first(&pairs, "grant_type") {
        Some("authorization_code") => {}
        other => {
            return oauth_error(
                501,
                "unsupported_grant_type",
                &format!("Unsupported grant type: {}", other.unwrap_or("")),
            )
        }
    }
    let code = first(&pairs, "code").unwrap_or("");
    // Single use: the code is gone whatever the outcome.
    let Some((request, issued_at)) = login.state().codes.remove(code) else {
        return oauth_error(
            403,
            "invalid_grant",
            "the code is unknown, expired or already used",
        );
    };
    if issued_at.elapsed() > CODE_LIFETIME {
        return oauth_error(403, "invalid_grant", "the code has expired");
    }
    if first(&pairs, "client_id") != Some(request.client_id.as_str()) {
        return oauth_error(
            403,
            "invalid_grant",
            "client_id does not match the authorization request",
        );
    }
    if first(&pairs, "redirect_uri") != Some(request.redirect_uri.as_str()) {
        return oauth_error(
            403,
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        );
    }
    let user = login.user().to_string();
    let Some(access_token) = issuer_token(&user) else {
        return oauth_error(
            500,
            "server_error",
            &format!("the signed-in user {user:?} is not in credentials.json"),
        );
    };
    let (Some(seed_a), Some(seed_b), Some(token)) = (random_id(16), random_id(16), random_id(32))
    else {
        return oauth_error(500, "server_error", "no randomness available");
    };
    let now = chrono::Utc::now();
    let expires = now
        + chrono::Duration::from_std(request.expires)
            .unwrap_or_else(|_| chrono::Duration::hours(1));
    let issuer = hawk::Credentials {
        client_id: user.clone(),
        access_token,
        certificate: None,
    };
    let credentials = hawk::temporary_credentials(
        &issuer,
        Some(&format!("{user}/{}", request.client_id)),
        &request.scopes,
        // Taskcluster starts temporary credentials a little in the past, for clock skew.
        now.timestamp_millis() - 5 * 60 * 1000,
        expires.timestamp_millis(),
        &format!("{seed_a}{seed_b}"),
    );
    login.state().tokens.insert(
        token.clone(),
        Issued {
            credentials,
            expires,
            token_expires: Instant::now() + TOKEN_LIFETIME,
        },
    );
    json_reply(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME.as_secs()}),
    )
}

/// `GET /login/oauth/credentials` with `Authorization: Bearer <access_token>`.
pub(super) fn credentials(login: &Login, authorization: Option<&str>) -> Reply {
    let token = authorization
        .and_then(|a| a.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(token) = token else {
        return oauth_error(
            401,
            "invalid_token",
            "send the OAuth2 access token as Authorization: Bearer <access_token>",
        );
    };
    let state = login.state();
    // The web-server's answer to a token it has no credentials for (unknown, expired): a 500
    // that says little, on purpose.
    let refused = || {
        json_reply(
            500,
            &json!({"name": "InputError", "message": "Could not generate credentials for this access token"}),
        )
    };
    let Some(issued) = state.tokens.get(token) else {
        return refused();
    };
    if Instant::now() > issued.token_expires {
        return refused();
    }
    let c = &issued.credentials;
    json_reply(
        200,
        &json!({
            "credentials": {"clientId": c.client_id, "accessToken": c.access_token, "certificate": c.certificate},
            "expires": issued.expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_origins() {
        assert_eq!(normalize_prefix("http://a:1"), "http://a:1/");
        assert_eq!(normalize_prefix("http://a:1/x"), "http://a:1/x");
        assert_eq!(origin_of("http://a:1/x?y"), Some("http://a:1".into()));
        assert_eq!(origin_of("http://u@a:1/x"), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(parse_expires("1 hour"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_expires("15 minutes"), Some(Duration::from_secs(900)));
        assert_eq!(parse_expires("3d"), Some(Duration::from_secs(3 * 86400)));
        assert_eq!(parse_expires("soon"), None);
    }
}
