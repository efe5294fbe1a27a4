//! Taskcluster's third-party login on the stand-in (`/login/oauth/authorize`, `…/token`,
//! `…/credentials`): consent and its refusals, single-use codes, the state passed through,
//! the temporary credentials it issues accepted by the hook trigger for exactly their scopes,
//! and CORS preflights for the page on another origin.

use crate::support::{put, scratch, start_standin, Standin};

use serde_json::{json, Value};
use taskgraph_preview::taskcluster::hawk::{self, Credentials};

fn start(name: &str, args: &[&str]) -> Standin {
    let dir = scratch(&format!("login-{name}"));
    put(
        &dir,
        "credentials.json",
        br#"{"demo-sheriff": "demo-access-token"}"#,
    );
    let record = dir.join("calls.jsonl");
    let mut all = vec!["--record", record.to_str().unwrap()];
    all.extend_from_slice(args);
    start_standin(dir, &all)
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

/// Status, headers we look at, and body of any answer (4xx included).
fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, Option<String>, String) {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    let location = response.header("Location").map(str::to_string);
    (status, location, response.into_string().unwrap())
}

fn authorize_url(standin: &Standin, redirect_uri: &str, scopes: &[&str], state: &str) -> String {
    let enc = |s: &str| taskgraph_preview::url::percent_encode(s, b"");
    let mut url = format!(
        "{}/login/oauth/authorize?response_type=code&client_id=taskgraph-preview&redirect_uri={}&expires=1%20hour&state={}",
        standin.url,
        enc(redirect_uri),
        enc(state)
    );
    url.push_str(&format!("&scope={}", enc(&scopes.join(" "))));
    url
}

/// Shows the consent page for `url` and answers it; returns the redirect's Location.
fn consent(url: &str, decision: &str, standin: &Standin) -> String {
    let (status, _, page) = answer(agent().get(url).call());
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"allow\"") && page.contains("id=\"deny\""));
    assert!(!page.contains("<script") && !page.contains("style="));
    let transaction = page
        .split("name=\"transaction_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let (status, location, _) = answer(
        agent()
            .post(&format!("{}/login/oauth/authorize/decision", standin.url))
            .send_form(&[("transaction_id", &transaction), ("decision", decision)]),
    );
    assert_eq!(status, 303);
    location.unwrap()
}

fn query_value(url: &str, key: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| taskgraph_preview::url::percent_decode(v, true))
    })
}

fn exchange(standin: &Standin, code: &str, redirect_uri: &str) -> (u16, Value) {
    let (status, _, body) = answer(
        agent()
            .post(&format!("{}/login/oauth/token", standin.url))
            .send_form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", "taskgraph-preview"),
            ]),
    );
    (status, serde_json::from_str(&body).unwrap())
}

/// Signs in for `scopes` and returns the temporary credentials.
fn sign_in(standin: &Standin, scopes: &[&str]) -> (Credentials, Value) {
    let redirect_uri = format!("{}/login-callback.html", standin.url);
    let location = consent(
        &authorize_url(standin, &redirect_uri, scopes, "st4te"),
        "allow",
        standin,
    );
    let code = query_value(&location, "code").unwrap();
    let (status, token) = exchange(standin, &code, &redirect_uri);
    assert_eq!(status, 200, "{token}");
    let (status, _, body) = answer(
        agent()
            .get(&format!("{}/login/oauth/credentials", standin.url))
            .set(
                "Authorization",
                &format!("Bearer {}", token["access_token"].as_str().unwrap()),
            )
            .call(),
    );
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let c = &answer["credentials"];
    (
        Credentials {
            client_id: c["clientId"].as_str().unwrap().into(),
            access_token: c["accessToken"].as_str().unwrap().into(),
            certificate: c["certificate"].as_str().map(str::to_string),
        },
        answer,
    )
}

/// Triggers hook `group`/`hook` signed with `credentials`: status and body.
fn trigger(standin: &Standin, credentials: &Credentials, group: &str, hook: &str) -> (u16, String) {
    let url = format!(
        "{}/api/hooks/v1/hooks/{group}/{}/trigger",
        standin.url,
        taskgraph_preview::url::percent_encode(hook, b"")
    );
    let body = json!({"user": {"input": {"tasks": ["x"]}}}).to_string();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ext = hawk::taskcluster_ext(credentials).unwrap();
    let header = hawk::authorization(
        credentials,
        &hawk::Request {
            method: "POST",
            url: &url,
            payload: Some(("application/json", body.as_bytes())),
            timestamp,
            nonce: "n0nce",
        },
        ext.as_deref(),
    )
    .unwrap();
    let (status, _, body) = answer(
        agent()
            .post(&url)
            .set("Content-Type", "application/json")
            .set("Authorization", &header)
            .send_string(&body),
    );
    (status, body)
}

fn recorded(standin: &Standin) -> Vec<Value> {
    std::fs::read_to_string(standin.dir.join("calls.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const HOOK_SCOPE: &str = "hooks:trigger-hook:project-nss/in-tree-action-3-generic/0123456789";
/// What every OAuth2 client of the stand-in is registered with unless `--login-scope` says
/// otherwise (and what the page asks for).
const REGISTERED: &str = "hooks:trigger-hook:*";

#[test]
fn sign_in_issues_temporary_credentials_the_hook_trigger_accepts_for_their_scopes() {
    let standin = start("flow", &["--login-scope", HOOK_SCOPE]);
    let (credentials, answer) = sign_in(&standin, &[HOOK_SCOPE]);
    assert_eq!(credentials.client_id, "demo-sheriff/taskgraph-preview");
    assert_ne!(credentials.access_token, "demo-access-token");
    let cert: Value = serde_json::from_str(credentials.certificate.as_deref().unwrap()).unwrap();
    assert_eq!(cert["scopes"], json!([HOOK_SCOPE]));
    assert_eq!(cert["issuer"], "demo-sheriff");
    // About an hour, as asked.
    let expires =
        chrono::DateTime::parse_from_rfc3339(answer["expires"].as_str().unwrap()).unwrap();
    let left = expires.timestamp() - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&left), "{left}");

    let (status, body) = trigger(
        &standin,
        &credentials,
        "project-nss",
        "in-tree-action-3-generic/0123456789",
    );
    assert_eq!(status, 200, "{body}");
    let calls = recorded(&standin);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["clientId"], "demo-sheriff/taskgraph-preview");
    assert_eq!(calls[0]["temporary"], true);
    assert_eq!(calls[0]["hookId"], "in-tree-action-3-generic/0123456789");

    // Another hook is not among the granted scopes.
    let (status, body) = trigger(
        &standin,
        &credentials,
        "project-nss",
        "in-tree-action-3-retrigger-decision/0123456789",
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("InsufficientScopes") && body.contains("in-tree-action-3-retrigger-decision"),
        "{body}"
    );
    // A tampered token or certificate is refused.
    let wrong = Credentials {
        access_token: "demo-access-token".into(),
        ..credentials.clone()
    };
    let (status, body) = trigger(
        &standin,
        &wrong,
        "project-nss",
        "in-tree-action-3-generic/0123456789",
    );
    assert_eq!(status, 401, "{body}");
    let mut forged: Value = cert.clone();
    forged["scopes"] = json!(["*"]);
    let forged = Credentials {
        certificate: Some(forged.to_string()),
        ..credentials.clone()
    };
    let (status, body) = trigger(
        &standin,
        &forged,
        "project-nss",
        "in-tree-action-3-generic/0123456789",
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("signature"), "{body}");
    assert_eq!(
        recorded(&standin).len(),
        1,
        "refused calls are not recorded"
    );
    // Permanent credentials keep working, with every scope.
    let permanent = Credentials {
        client_id: "demo-sheriff".into(),
        access_token: "demo-access-token".into(),
        certificate: None,
    };
    let (status, body) = trigger(
        &standin,
        &permanent,
        "project-nss",
        "in-tree-action-3-retrigger-decision/0123456789",
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn codes_are_single_use_and_bound_to_their_redirect_uri_and_state_comes_back() {
    let standin = start("codes", &[]);
    let redirect_uri = format!("{}/login-callback.html?keep=1", standin.url);
    let location = consent(
        &authorize_url(&standin, &redirect_uri, &[REGISTERED], "a b&c"),
        "allow",
        &standin,
    );
    assert!(
        location.starts_with(&format!("{redirect_uri}&code=")),
        "{location}"
    );
    assert_eq!(query_value(&location, "state").as_deref(), Some("a b&c"));
    let code = query_value(&location, "code").unwrap();
    // Another redirect_uri than the one consented to: refused, and the code is spent.
    let (status, body) = exchange(&standin, &code, &format!("{}/other", standin.url));
    assert_eq!(status, 403, "oauth2orize's status for invalid_grant");
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = exchange(&standin, &code, &redirect_uri);
    assert_eq!(status, 403, "a code is used once: {body}");
    // A fresh one works once.
    let location = consent(
        &authorize_url(&standin, &redirect_uri, &[REGISTERED], "s"),
        "allow",
        &standin,
    );
    let code = query_value(&location, "code").unwrap();
    assert_eq!(exchange(&standin, &code, &redirect_uri).0, 200);
    let (status, body) = exchange(&standin, &code, &redirect_uri);
    assert_eq!(status, 403);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("already used"));
    // An unknown bearer token gets no credentials (the web-server's 500, saying little).
    let (status, _, body) = answer(
        agent()
            .get(&format!("{}/login/oauth/credentials", standin.url))
            .set("Authorization", "Bearer nope")
            .call(),
    );
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"name": "InputError", "message": "Could not generate credentials for this access token"})
    );
}

#[test]
fn deny_redirects_with_access_denied_and_bad_requests_are_refused_without_redirecting() {
    let standin = start(
        "refuse",
        &["--login-client", "other-tool=https://tools.example.com/cb/"],
    );
    let callback = format!("{}/login-callback.html", standin.url);
    let location = consent(
        &authorize_url(&standin, &callback, &[REGISTERED], "st"),
        "deny",
        &standin,
    );
    assert_eq!(location, format!("{callback}?error=access_denied&state=st"));

    let refused = |url: String, field: &str| {
        let (status, location, page) = answer(agent().get(&url).call());
        assert_eq!(status, 400, "{url}: {page}");
        assert_eq!(location, None, "{url} must not redirect");
        assert!(
            page.contains(&format!("data-field=\"{field}\"")),
            "{url}: {page}"
        );
    };
    // A redirect_uri on another origin than the stand-in's, for the default client.
    refused(
        authorize_url(&standin, "http://evil.example/cb", &[REGISTERED], "s"),
        "redirect_uri",
    );
    // The same prefix trick on a look-alike host.
    let lookalike = standin.url.replace("127.0.0.1", "127.0.0.1.evil.example");
    refused(
        authorize_url(&standin, &format!("{lookalike}/cb"), &[REGISTERED], "s"),
        "redirect_uri",
    );
    let base = format!("{}/login/oauth/authorize", standin.url);
    let enc = |s: &str| taskgraph_preview::url::percent_encode(s, b"");
    refused(
        format!(
            "{base}?response_type=token&client_id=taskgraph-preview&redirect_uri={}&scope=a",
            enc(&callback)
        ),
        "response_type",
    );
    refused(
        format!(
            "{base}?response_type=code&client_id=taskgraph-preview&redirect_uri={}&scope=a&scope=b",
            enc(&callback)
        ),
        "scope",
    );
    refused(
        format!("{base}?response_type=code&client_id=taskgraph-preview&scope=a"),
        "redirect_uri",
    );
    refused(
        format!(
            "{base}?response_type=code&redirect_uri={}&scope=a",
            enc(&callback)
        ),
        "client_id",
    );
    refused(
        format!(
            "{base}?response_type=code&client_id=unknown&redirect_uri={}&scope=a",
            enc(&callback)
        ),
        "client_id",
    );
    // A registered client only redirects under its prefix.
    refused(
        format!(
            "{base}?response_type=code&client_id=other-tool&redirect_uri={}&scope=a",
            enc("https://tools.example.com/other")
        ),
        "redirect_uri",
    );
    let (status, _, _) = answer(
        agent()
            .get(&format!(
                "{base}?response_type=code&client_id=other-tool&redirect_uri={}&scope=a",
                enc("https://tools.example.com/cb/x")
            ))
            .call(),
    );
    assert_eq!(status, 200);
}

#[test]
fn token_and_credentials_allow_only_registered_origins() {
    // As the web-server's thirdPartyCorsOptions: the origins of registered redirect URIs (and
    // the stand-in's own), with credentials; another origin gets no Allow-Origin.
    let standin = start(
        "cors",
        &[
            "--login-client",
            "preview-tool=http://page.example/preview/",
        ],
    );
    for path in ["/login/oauth/token", "/login/oauth/credentials"] {
        for (origin, allowed) in [
            ("http://page.example", true),
            (standin.url.as_str(), true),
            ("http://evil.example", false),
        ] {
            let response = agent()
                .request("OPTIONS", &format!("{}{path}", standin.url))
                .set("Origin", origin)
                .set("Access-Control-Request-Method", "POST")
                .set(
                    "Access-Control-Request-Headers",
                    "authorization,content-type",
                )
                .call()
                .unwrap();
            assert_eq!(response.status(), 204);
            assert_eq!(
                response.header("Access-Control-Allow-Origin"),
                allowed.then_some(origin),
                "{path} from {origin}"
            );
            assert_eq!(
                response.header("Access-Control-Allow-Credentials"),
                Some("true")
            );
            assert_eq!(
                response.header("Access-Control-Allow-Headers"),
                Some("authorization,content-type")
            );
        }
    }
    // The answer itself carries them too.
    let (status, _, _) = answer(
        agent()
            .post(&format!("{}/login/oauth/token", standin.url))
            .set("Origin", "http://page.example")
            .send_form(&[("grant_type", "authorization_code"), ("code", "nope")]),
    );
    assert_eq!(status, 403);
    let response = agent()
        .get(&format!("{}/api/queue/v1/task/nope", standin.url))
        .set("Origin", "http://page.example")
        .call();
    let Err(ureq::Error::Status(404, response)) = response else {
        panic!("an unknown task is a 404");
    };
    assert_eq!(
        response.header("Access-Control-Allow-Origin"),
        Some("*"),
        "the APIs allow any origin"
    );
}

#[test]
fn a_sign_in_asking_for_other_scopes_than_the_clients_registered_ones_ends_in_invalid_scope() {
    // As Taskcluster's web-server: the scopes asked for must be exactly the client's
    // registered set (in any order); the refusal comes back to the client after consent.
    let standin = start(
        "scope",
        &["--login-scope", HOOK_SCOPE, "--login-scope", REGISTERED],
    );
    let callback = format!("{}/login-callback.html", standin.url);
    for asked in [
        &[HOOK_SCOPE][..],
        &[REGISTERED, HOOK_SCOPE, "queue:create-task:*"],
    ] {
        let location = consent(
            &authorize_url(&standin, &callback, asked, "st"),
            "allow",
            &standin,
        );
        assert_eq!(location, format!("{callback}?error=invalid_scope&state=st"));
    }
    let location = consent(
        &authorize_url(&standin, &callback, &[REGISTERED, HOOK_SCOPE], "st"),
        "allow",
        &standin,
    );
    assert!(query_value(&location, "code").is_some(), "{location}");
}
