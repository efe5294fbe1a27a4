//! "Sign in with Taskcluster": Taskcluster's third-party login (OAuth2 authorization code), as
//! Taskcluster's web tools do it. The page opens `<rootUrl>/login/oauth/authorize` in a popup
//! (the page, its picks and its URL stay as they are) asking for the scopes the page's OAuth2
//! client is registered with (Taskcluster refuses any other set: `invalid_scope`); the popup comes back to `login/callback.html` (a static page with its
//! own script file, so it runs under the strict CSP), which posts the code and state to this
//! page and closes. This page checks the state, exchanges the code at `/login/oauth/token`,
//! fetches `/login/oauth/credentials`, and keeps the temporary credentials in memory only,
//! until they expire or the user signs out: never in storage, the URL or the console.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The OAuth2 client id the page uses when the deployment sets none (`loginClientId=` in the
/// page's URL sets another).
pub const DEFAULT_CLIENT_ID: &str = "taskgraph-preview";
/// How long the credentials asked for live (Taskcluster's `expires`).
pub const EXPIRES: &str = "1 hour";
/// What `login/callback.html` posts to this page.
pub const MESSAGE_TYPE: &str = "taskcluster-login";

/// Temporary credentials from a sign-in, for one root URL. No `Debug`: it would print the
/// access token.
#[derive(Clone, PartialEq)]
pub struct SignedIn {
    pub root_url: String,
    pub client_id: String,
    pub access_token: String,
    pub certificate: Option<String>,
    /// ISO time, as `/login/oauth/credentials` answers.
    pub expires: String,
    /// The scopes the certificate holds (`None`: permanent credentials of a named client, as
    /// real Taskcluster issues, whose scopes the page cannot see).
    pub scopes: Option<Vec<String>>,
}

impl SignedIn {
    /// Whether they are still valid (a minute of margin).
    pub fn valid(&self, now_ms: f64) -> bool {
        chrono::DateTime::parse_from_rfc3339(&self.expires)
            .is_ok_and(|expires| expires.timestamp_millis() as f64 - 60_000.0 > now_ms)
    }

    /// Whether they hold every scope in `required` (unknown scopes: assume they do; the
    /// service decides).
    pub fn covers(&self, required: &[String]) -> bool {
        match &self.scopes {
            None => true,
            Some(granted) => required.iter().all(|r| {
                granted.iter().any(|g| match g.strip_suffix('*') {
                    Some(prefix) => r.starts_with(prefix),
                    None => g == r,
                })
            }),
        }
    }

    /// "2026-12-02 08:01 UTC" from the ISO expiry.
    pub fn expires_text(&self) -> String {
        let text: String = self.expires.chars().take(16).collect();
        format!("{} UTC", text.replace('T', " "))
    }

    /// As the worker takes credentials.
    pub fn json(&self) -> serde_json::Value {
        let mut c =
            serde_json::json!({"clientId": self.client_id, "accessToken": self.access_token});
        if let Some(cert) = &self.certificate {
            c["certificate"] = serde_json::json!(cert);
        }
        c
    }
}

/// A sign-in on its way: what the answer must match.
#[derive(Clone, PartialEq)]
pub struct Pending {
    pub state: String,
    pub root_url: String,
    pub client_id: String,
    pub redirect_uri: String,
}

/// The scopes triggering a hook's action needs: the hooks service checks
/// `hooks:trigger-hook:<hookGroupId>/<hookId>` (what the hook's task may do is the hook's
/// role's business, not the caller's).
pub fn hook_scopes(hook_group_id: &str, hook_id: &str) -> Vec<String> {
    vec![format!("hooks:trigger-hook:{hook_group_id}/{hook_id}")]
}

/// The hook of a rendered trigger request (`{…, "trigger": {"hookGroupId", "hookId"}}`).
pub fn hook_of_request(request: &str) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(request).ok()?;
    let trigger = value.get("trigger")?;
    Some((
        trigger.get("hookGroupId")?.as_str()?.to_string(),
        trigger.get("hookId")?.as_str()?.to_string(),
    ))
}

fn enc(text: &str) -> String {
    crate::url::percent_encode(text, b"")
}

/// `<rootUrl>/login/oauth/authorize?…`, the scopes in one space-separated `scope` parameter
/// (Taskcluster's web-server refuses a repeated one: "scope must be a string").
pub fn authorize_url(pending: &Pending, scopes: &[String]) -> String {
    format!(
        "{}/login/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&expires={}&state={}&scope={}",
        pending.root_url.trim_end_matches('/'),
        enc(&pending.client_id),
        enc(&pending.redirect_uri),
        enc(EXPIRES),
        enc(&pending.state),
        enc(&scopes.join(" "))
    )
}

/// The callback page next to this page (`…/login/callback.html`).
pub fn redirect_uri() -> Option<String> {
    let location = web_sys::window()?.location();
    let origin = location.origin().ok()?;
    let path = location.pathname().ok()?;
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    Some(format!("{origin}{dir}/login/callback.html"))
}

/// 16 random bytes as hex, from the browser's CSPRNG.
pub fn random_state() -> Option<String> {
    let crypto = web_sys::window()?.crypto().ok()?;
    let mut bytes = [0u8; 16];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What `login/callback.html` posted: `(code, state, error)`, if the message is one, from
/// this page's own origin.
pub fn callback_message(
    event: &web_sys::MessageEvent,
) -> Option<(Option<String>, String, Option<String>)> {
    let own = web_sys::window()?.location().origin().ok()?;
    if event.origin() != own {
        return None;
    }
    let data = event.data();
    let get = |k: &str| {
        js_sys::Reflect::get(&data, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    if get("type").as_deref() != Some(MESSAGE_TYPE) {
        return None;
    }
    Some((get("code"), get("state").unwrap_or_default(), get("error")))
}

/// One fetch: status and body text. Errors name the URL.
async fn fetch_text(url: &str, init: &web_sys::RequestInit) -> Result<(u16, String), String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|e| format!("{url} could not be reached: {}", js_text(&e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: not a response"))?;
    let text = JsFuture::from(
        response
            .text()
            .map_err(|e| format!("{url}: {}", js_text(&e)))?,
    )
    .await
    .map_err(|e| format!("{url}: {}", js_text(&e)))?
    .as_string()
    .unwrap_or_default();
    Ok((response.status(), text))
}

fn js_text(value: &JsValue) -> String {
    value
        .as_string()
        .or_else(|| {
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "network error".into())
}

/// An OAuth2 error answer's description (never echoing anything else of the body).
fn oauth_error(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    ["error_description", "message", "error"]
        .iter()
        .find_map(|k| value.get(*k).and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "no details".into())
}

/// Exchanges the code for an OAuth2 access token, then that for Taskcluster credentials.
pub async fn exchange(pending: Pending, code: String) -> Result<SignedIn, String> {
    let root = pending.root_url.trim_end_matches('/');
    let token_url = format!("{root}/login/oauth/token");
    let body = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}",
        enc(&code),
        enc(&pending.redirect_uri),
        enc(&pending.client_id)
    );
    let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .map_err(|e| js_text(&e))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    let (status, text) = fetch_text(&token_url, &init).await?;
    if status != 200 {
        return Err(format!(
            "{token_url} answered {status}: {}",
            oauth_error(&text)
        ));
    }
    let token: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{token_url}: the answer is not JSON: {e}"))?;
    let access_token = token
        .get("access_token")
        .and_then(|t| t.as_str())
        .ok_or_else(|| format!("{token_url}: the answer has no access_token"))?;

    let credentials_url = format!("{root}/login/oauth/credentials");
    let headers = web_sys::Headers::new().map_err(|e| js_text(&e))?;
    headers
        .set("Authorization", &format!("Bearer {access_token}"))
        .map_err(|e| js_text(&e))?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    let (status, text) = fetch_text(&credentials_url, &init).await?;
    if status != 200 {
        return Err(format!(
            "{credentials_url} answered {status}: {}",
            oauth_error(&text)
        ));
    }
    let answer: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{credentials_url}: the answer is not JSON: {e}"))?;
    let field = |name: &str| {
        answer
            .pointer(&format!("/credentials/{name}"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let (Some(client_id), Some(access_token)) = (field("clientId"), field("accessToken")) else {
        return Err(format!(
            "{credentials_url}: the answer has no credentials.clientId and credentials.accessToken"
        ));
    };
    let certificate = field("certificate");
    let scopes = certificate.as_deref().and_then(|c| {
        let cert: serde_json::Value = serde_json::from_str(c).ok()?;
        serde_json::from_value(cert.get("scopes")?.clone()).ok()
    });
    let expires = answer
        .get("expires")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{credentials_url}: the answer has no expires"))?;
    Ok(SignedIn {
        root_url: root.to_string(),
        client_id,
        access_token,
        certificate,
        expires,
        scopes,
    })
}
