//! Signing in with OpenID Connect: the authorization code flow with PKCE, `state` and `nonce`,
//! against each provider configured in `[[sign_in.providers]]`, found by discovery from its
//! issuer's `.well-known/openid-configuration`. The ID token's signature (by a key of the
//! provider's JWKS), issuer, audience, expiry and nonce are checked by the `openidconnect` crate;
//! nothing about a person is taken from anywhere but that checked token. Their role comes from
//! its claims by [`RoleMapping`], afresh at every sign-in; an email the token says is not
//! verified (`email_verified: false`) matches no email-domain rule.
//!
//! A sign-in begun and not yet finished is kept in the database ([`kernel::SignInStore`]) for
//! [`PENDING_FOR`], under the hash of its `state`, and taken out by the first callback that names
//! it: a callback sent again (a replayed code) finds nothing. So a sign-in begun at one process
//! of the service may finish at any other on the same database.

use std::time::Duration;

use kernel::{PendingSignIn, SignInStore, Timestamp};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::{AccessError, Claims, Credential, Principal, RoleMapping};

/// How long a sign-in begun may take to come back from the provider.
pub const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// How many sign-ins may be under way (begun within [`PENDING_FOR`] and not finished) at once,
/// across every process on one database: enough for a large council's morning, and a bound on
/// what anyone who follows "Sign in with …" links without finishing can make the service keep.
pub const MAX_UNDER_WAY: u64 = 5_000;
/// The path the providers send people back to, under the service's public URL.
pub const CALLBACK_PATH: &str = "/dashboard/sign-in/callback";

/// One provider people may sign in with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// A short name for URLs, such as `west-lindsey`.
    pub id: String,
    /// The name on its button, such as `West Lindsey District Council`.
    pub name: String,
    /// The issuer, exactly as its ID tokens give `iss`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// The claims beyond the standard ones that roles are given by, and the two by which Entra ID
/// says it left a person's groups out (group overage): `_claim_names` naming `groups` (the
/// groups are to be fetched from Microsoft Graph instead), or `hasgroups: true`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct GroupClaims {
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default, rename = "_claim_names", skip_serializing_if = "serde_json::Map::is_empty")]
    claim_names: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hasgroups: Option<bool>,
}

impl GroupClaims {
    /// Whether the provider left the person's groups out of the token because there were too
    /// many of them.
    fn groups_left_out(&self) -> bool {
        self.claim_names.contains_key("groups") || self.hasgroups == Some(true)
    }
}

impl AdditionalClaims for GroupClaims {}

/// The discovery document's `end_session_endpoint` (OpenID Connect RP-Initiated Logout), where
/// the provider offers one.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct LogoutMetadata {
    end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type Fields = IdTokenFields<
    GroupClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type OidcClient = Client<
    GroupClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<Fields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in with a provider failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// No provider is configured by that name.
    #[error("there is no provider '{0}' to sign in with: choose one of the buttons on the sign-in page")]
    UnknownProvider(String),
    /// The provider could not be reached, or did not answer as an OpenID provider does.
    #[error("failed to reach {provider} to sign you in ({detail}): try again in a few minutes, or sign in another way")]
    Unavailable { provider: String, detail: String },
    /// The callback or the ID token did not check out; no session was begun.
    #[error("{0}")]
    Refused(String),
    /// [`MAX_UNDER_WAY`] sign-ins are under way already: nothing was kept.
    #[error("too many sign-ins are under way at once: wait a minute and sign in again, or sign in another way")]
    Busy,
    /// The sign-ins under way could not be kept or read; the cause is the source, for the log,
    /// not for the page.
    #[error(
        "failed to keep track of the sign-in, as the service's database did not answer: try again in a few minutes, or sign in another way"
    )]
    Store(#[from] kernel::StoreError),
}

/// The providers and the role mapping.
#[derive(Debug)]
pub struct OpenIdSignIn {
    providers: Vec<Provider>,
    mapping: RoleMapping,
    redirect: Option<RedirectUrl>,
    public_url: Option<String>,
    http: reqwest::Client,
}

impl OpenIdSignIn {
    /// Sign-in with `providers`, people sent back to `public_url` + [`CALLBACK_PATH`], their
    /// roles given by `mapping`. Without a public URL no provider can be used.
    pub fn new(providers: Vec<Provider>, mapping: RoleMapping, public_url: Option<&str>) -> Result<Self, SignInError> {
        let redirect = public_url
            .map(|url| RedirectUrl::new(format!("{}{CALLBACK_PATH}", url.trim_end_matches('/'))))
            .transpose()
            .map_err(|e| SignInError::Refused(format!("the public URL is not a URL: {e}")))?;
        // Redirects are not followed: a provider's endpoints are where its discovery says.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| SignInError::Refused(format!("failed to make an HTTP client: {e}")))?;
        let public_url = public_url.map(|url| url.trim_end_matches('/').to_owned());
        Ok(OpenIdSignIn { providers, mapping, redirect, public_url, http })
    }

    pub fn providers(&self) -> &[Provider] {
        if self.redirect.is_some() { &self.providers } else { &[] }
    }

    pub fn mapping(&self) -> &RoleMapping {
        &self.mapping
    }

    fn provider(&self, id: &str) -> Result<&Provider, SignInError> {
        self.providers().iter().find(|p| p.id == id).ok_or_else(|| SignInError::UnknownProvider(id.to_owned()))
    }

    /// The client for `provider`, from its discovery document, and its end-session endpoint.
    async fn client(&self, provider: &Provider) -> Result<(OidcClient, Option<String>), SignInError> {
        let unavailable = |detail: String| SignInError::Unavailable { provider: provider.name.clone(), detail };
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| unavailable(e.to_string()))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| unavailable(format!("its discovery document could not be used: {e}")))?;
        let redirect = self.redirect.clone().ok_or_else(|| SignInError::UnknownProvider(provider.id.clone()))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            provider.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        Ok((client, end_session))
    }

    /// Where to send a person who signed in with the provider named `name` to sign out there
    /// too (RP-initiated logout): its end-session endpoint with Covenant's client id and the
    /// sign-in page to come back to; none when the provider offers no such endpoint or cannot be
    /// reached.
    pub async fn sign_out_url(&self, name: &str) -> Option<String> {
        let provider = self.providers().iter().find(|p| p.name == name)?;
        let (_, end_session) = self.client(provider).await.ok()?;
        let mut url = reqwest::Url::parse(&end_session?).ok()?;
        let back = format!("{}/dashboard/sign-in", self.public_url.as_deref()?);
        url.query_pairs_mut()
            .append_pair("client_id", &provider.client_id)
            .append_pair("post_logout_redirect_uri", &back);
        Some(url.to_string())
    }

    /// Begins a sign-in with the provider `id` at `now`, kept in `store` until it finishes: the
    /// provider's URL to send the person to, and the `state` it carries, which the browser must
    /// bring back.
    pub async fn begin(
        &self,
        store: &dyn SignInStore,
        id: &str,
        now: Timestamp,
    ) -> Result<(String, String), SignInError> {
        let provider = self.provider(id)?;
        let (client, _) = self.client(provider).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingSignIn {
            state_hash: crate::sessions::hash(state.secret()),
            provider: provider.id.clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            begun_at: now,
        };
        if !store.insert_pending(&pending, MAX_UNDER_WAY, now.before(PENDING_FOR)).await? {
            return Err(SignInError::Busy);
        }
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Finishes the sign-in whose `state` the provider sent back with `code`, when `cookie` (the
    /// state the browser kept) is the same: exchanges the code with the PKCE verifier, checks the
    /// ID token, and gives the person with the role the mapping gives them. Each `state` is
    /// finished at most once, at whichever process of the service on `store`'s database.
    pub async fn finish(
        &self,
        store: &dyn SignInStore,
        state: &str,
        cookie: Option<&str>,
        code: &str,
        now: Timestamp,
    ) -> Result<Principal, SignInError> {
        let pending = store.take_pending(&crate::sessions::hash(state)).await?;
        let Some(pending) = pending.filter(|p| !lapsed(p, now)) else {
            return Err(SignInError::Refused(format!("{NOT_BEGUN}: sign in again from the sign-in page")));
        };
        if cookie != Some(state) {
            return Err(SignInError::Refused(format!(
                "{NOT_BEGUN} in this browser: sign in again from the sign-in page, in the same browser"
            )));
        }
        let provider = self.provider(&pending.provider)?;
        let (client, _) = self.client(provider).await?;
        let refused = |what: String| {
            SignInError::Refused(format!(
                "{} did not sign you in: {what}. Nothing was recorded; sign in again from the sign-in page, and if it happens again tell {}",
                provider.name, self.mapping.contact
            ))
        };
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| refused(format!("it gives no token endpoint ({e})")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier));
        let answer = request
            .request_async(&self.http)
            .await
            .map_err(|e| refused(format!("it did not accept the sign-in code ({e})")))?;
        let token = answer.id_token().ok_or_else(|| refused("its answer held no ID token".to_owned()))?;
        let verifier = client.id_token_verifier();
        let claims = token
            .claims(&verifier, &Nonce::new(pending.nonce))
            .map_err(|e| refused(format!("its ID token did not check out ({e})")))?;
        let email = claims.email().map(|e| e.as_str().to_owned());
        let subject = claims.subject().as_str().to_owned();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .or_else(|| email.clone())
            .unwrap_or_else(|| subject.clone());
        let extra = claims.additional_claims();
        // Without the groups no rule by group can be applied, and a rule by domain alone might
        // give less than the person's role: refused, saying what to change at the provider.
        if extra.groups_left_out() {
            return Err(SignInError::Refused(format!(
                "{} left your groups out of the sign-in because you are in too many groups for it to send                  (group overage), so Covenant cannot tell your role. Nothing was recorded. Ask {} to change                  Covenant's application registration at {}: either send roles as application roles (assign                  the groups to the application's app roles, which come in the roles claim) or send fewer                  groups (under Token configuration, send only the groups assigned to the application)",
                provider.name, self.mapping.contact, provider.name
            )));
        }
        // An email the provider says it has not verified gives no role by its domain.
        let verified = claims.email_verified() != Some(false);
        let seen = Claims {
            provider: provider.name.clone(),
            email: email.clone().filter(|_| verified),
            groups: extra.groups.clone(),
            roles: extra.roles.clone(),
        };
        let granted = self.mapping.grant(&seen).map_err(|e| SignInError::Refused(e.to_string()))?;
        Ok(Principal {
            name,
            role: granted.role,
            organisation: granted.organisation,
            credential: Credential::Person { email, provider: provider.name.clone(), subject },
        })
    }
}

const NOT_BEGUN: &str = "this sign-in was not begun here, was already finished, or took more than ten minutes";

/// Whether `pending` began more than [`PENDING_FOR`] before `now`.
fn lapsed(pending: &PendingSignIn, now: Timestamp) -> bool {
    pending.begun_at < now.before(PENDING_FOR)
}

/// Deletes the sign-ins begun more than [`PENDING_FOR`] before `now` and never finished, giving
/// how many there were.
pub async fn prune_pending(store: &dyn SignInStore, now: Timestamp) -> Result<u64, AccessError> {
    Ok(store.prune_pending(now.before(PENDING_FOR)).await?)
}
