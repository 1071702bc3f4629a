//! A mock OpenID provider on loopback for the sign-in tests: discovery, the JWKS and a token
//! endpoint, in process on axum, signing ID tokens with a test RSA key. The test plays the
//! browser and the provider's authorize page: it reads the authorize URL Covenant sent the
//! browser to, and hands the mock a code with the ID token to answer it with, which may be
//! made wrong on purpose ([`Issue`]). Each code is answered once, and only with the verifier
//! whose SHA-256 is the challenge the authorize URL carried (PKCE).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, EndUserEmail, EndUserName, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeyId,
    JsonWebKeySet, LocalizedClaim, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The client id Covenant is registered with at the mock.
pub const CLIENT_ID: &str = "covenant";
const PROVIDER_KEY: &str = include_str!("../fixtures/oidc/provider.pem");
const STRANGER_KEY: &str = include_str!("../fixtures/oidc/stranger.pem");

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Groups {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    /// Entra ID's group overage: where to fetch the groups left out.
    #[serde(default, rename = "_claim_names", skip_serializing_if = "Option::is_none")]
    claim_names: Option<Value>,
    #[serde(default, rename = "_claim_sources", skip_serializing_if = "Option::is_none")]
    claim_sources: Option<Value>,
}

impl AdditionalClaims for Groups {}

/// A person the mock signs in.
#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub name: String,
    pub email: String,
    pub groups: Vec<String>,
}

/// What to get wrong in the ID token a code is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issue {
    Good,
    /// For another client.
    WrongAudience,
    /// Expired a minute ago.
    Expired,
    /// Signed by a key that is not in the provider's JWKS.
    SignedByAnotherKey,
    /// From an issuer that is not the one configured.
    OtherIssuer,
    /// With a nonce other than the one the sign-in began with.
    WrongNonce,
    /// Saying the person's email is not verified.
    UnverifiedEmail,
    /// With the person's groups left out as Entra ID leaves them out of a token for someone in
    /// too many groups: `_claim_names` and `_claim_sources` pointing at Microsoft Graph instead.
    GroupOverage,
}

struct Code {
    person: Person,
    nonce: String,
    challenge: String,
    issue: Issue,
}

struct Mock {
    issuer: String,
    codes: Mutex<HashMap<String, Code>>,
}

/// The mock provider, serving until dropped with its runtime.
#[derive(Clone)]
pub struct MockProvider {
    mock: Arc<Mock>,
}

impl std::fmt::Debug for MockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockProvider").field("issuer", &self.mock.issuer).finish_non_exhaustive()
    }
}

fn key(pem: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("test-key".to_owned()))).expect("a test RSA key")
}

impl MockProvider {
    /// Starts the mock on a free loopback port.
    pub async fn start() -> MockProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let issuer = format!("http://{}", listener.local_addr().expect("an address"));
        let mock = Arc::new(Mock { issuer, codes: Mutex::new(HashMap::new()) });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(mock.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        MockProvider { mock }
    }

    pub fn issuer(&self) -> &str {
        &self.mock.issuer
    }

    /// Plays the provider's authorize page for the authorize URL `authorize`: checks it asks for
    /// a code with PKCE for Covenant's client, and gives the code that the token endpoint answers
    /// with an ID token for `person`, made wrong by `issue`. Gives the code and the `state`.
    pub fn authorize(&self, authorize: &str, person: &Person, issue: Issue) -> (String, String) {
        let url = reqwest::Url::parse(authorize).expect("an authorize URL");
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query.get("response_type").map(String::as_str), Some("code"), "{authorize}");
        assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
        assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"), "PKCE: {authorize}");
        assert!(query.get("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid")), "{authorize}");
        let code = format!("code-{}", rand::random::<u64>());
        let entry = Code {
            person: person.clone(),
            nonce: query.get("nonce").expect("a nonce").clone(),
            challenge: query.get("code_challenge").expect("a challenge").clone(),
            issue,
        };
        self.mock.codes.lock().expect("codes").insert(code.clone(), entry);
        (code, query.get("state").expect("a state").clone())
    }
}

async fn discovery(State(mock): State<Arc<Mock>>) -> Json<Value> {
    let issuer = &mock.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks() -> Json<Value> {
    let keys = JsonWebKeySet::new(vec![key(PROVIDER_KEY).as_verification_key()]);
    Json(serde_json::to_value(keys).expect("a JWKS"))
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    code: String,
    code_verifier: Option<String>,
    client_id: Option<String>,
}

async fn token(
    State(mock): State<Arc<Mock>>,
    Form(request): Form<TokenRequest>,
) -> (axum::http::StatusCode, Json<Value>) {
    let refused = |error: &str| (axum::http::StatusCode::BAD_REQUEST, Json(json!({ "error": error })));
    if request.grant_type != "authorization_code" || request.client_id.as_deref() != Some(CLIENT_ID) {
        return refused("invalid_request");
    }
    // Each code is answered once: a replayed code is refused here as a real provider does.
    let Some(code) = mock.codes.lock().expect("codes").remove(&request.code) else {
        return refused("invalid_grant");
    };
    let verified = request.code_verifier.is_some_and(|verifier| {
        let digest = Sha256::digest(verifier.as_bytes());
        base64_url(&digest) == code.challenge
    });
    if !verified {
        return refused("invalid_grant");
    }
    let now = Utc::now();
    let issuer = match code.issue {
        Issue::OtherIssuer => format!("{}/elsewhere", mock.issuer),
        _ => mock.issuer.clone(),
    };
    let audience = if code.issue == Issue::WrongAudience { "another-service" } else { CLIENT_ID };
    let expiry = if code.issue == Issue::Expired { now - Duration::minutes(1) } else { now + Duration::minutes(5) };
    let mut name = LocalizedClaim::new();
    name.insert(None, EndUserName::new(code.person.name.clone()));
    let standard = StandardClaims::new(SubjectIdentifier::new(code.person.subject.clone()))
        .set_email(Some(EndUserEmail::new(code.person.email.clone())))
        .set_email_verified(Some(code.issue != Issue::UnverifiedEmail))
        .set_name(Some(name));
    let nonce = if code.issue == Issue::WrongNonce { "another-nonce".to_owned() } else { code.nonce };
    let claims = IdTokenClaims::new(
        IssuerUrl::new(issuer).expect("an issuer"),
        vec![Audience::new(audience.to_owned())],
        expiry,
        now - Duration::minutes(2),
        standard,
        groups(code.person.groups, code.issue),
    )
    .set_nonce(Some(openidconnect::Nonce::new(nonce)));
    let signer = key(if code.issue == Issue::SignedByAnotherKey { STRANGER_KEY } else { PROVIDER_KEY });
    let id_token: IdToken<Groups, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm> =
        IdToken::new(claims, &signer, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).expect("signed");
    let body = json!({
        "access_token": "an-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token.to_string(),
    });
    (axum::http::StatusCode::OK, Json(body))
}

/// The group claims for `groups`, left out as Entra ID does for [`Issue::GroupOverage`].
fn groups(groups: Vec<String>, issue: Issue) -> Groups {
    if issue != Issue::GroupOverage {
        return Groups { groups, ..Groups::default() };
    }
    Groups {
        groups: vec![],
        claim_names: Some(json!({ "groups": "src1" })),
        claim_sources: Some(json!({
            "src1": { "endpoint": "https://graph.windows.net/00000000-0000-0000-0000-000000000000/users/3f2a9c/getMemberObjects" }
        })),
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
