//! Signing in to the dashboard: the sign-in form, the session cookie, and [`Viewer`], the
//! principal of a dashboard request. Signing in with a token begins a server-side session
//! (`app::sessions`): the cookie holds only the session's random id, never the token, and the
//! session is checked on every request (lapsed when idle or old, ended at sign-out or by an
//! administrator, and refused the moment its token is revoked). A request may instead send the
//! bearer header, checked by `auth` exactly as the API checks it. Tokens travel only in a POST
//! body or a header, never in a URL or a cookie, and are never logged.
//!
//! Beside the token form, one "Sign in with …" button per configured OpenID provider begins the
//! authorization code flow (`app::oidc`): the browser is sent to the provider with a `state`
//! that is also set in the `covenant_oidc` cookie (`SameSite=Lax`, so that the provider's
//! redirect back brings it), and the callback finishes only when both agree. The callback
//! answers with a page that continues to the dashboard, not a redirect, so that the `Strict`
//! session cookie is sent on a navigation from this site.
//!
//! Every form is protected from cross-site posts, not by `SameSite` alone. The sign-in form,
//! which has no session yet, by double submit: the form page sets a random value in the
//! `covenant_csrf` cookie and in a hidden field, and a post whose field does not equal its cookie
//! is refused (a page on another site can neither read the cookie nor, `SameSite=Strict`, have
//! it sent). Every form of a signed-in page (sign-out and the forms that record) carries
//! [`Csrf`], a value derived from the session's id, which another site cannot know. Cookies carry `Secure` when the service is told it is behind HTTPS
//! (`Settings::secure_cookies`).

use std::sync::Arc;

use app::{Action, Principal};
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Failure, layout, render};
use crate::{ApiError, Service, auth};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "covenant_session";
/// The cookie holding the sign-in form's anti-forgery value.
const CSRF_COOKIE: &str = "covenant_csrf";
/// The cookie holding the `state` of a sign-in with a provider under way.
const STATE_COOKIE: &str = "covenant_oidc";
/// The hidden field holding a form's anti-forgery value.
pub(crate) const CSRF_FIELD: &str = "csrf";

const SIGN_IN: &str = "/dashboard/sign-in";
const CALLBACK: &str = app::oidc::CALLBACK_PATH;

/// The principal a dashboard request acts for: signed in, with a role that may read the reports;
/// and the anti-forgery value its page's forms carry.
#[derive(Clone, Debug)]
pub(crate) struct Viewer(pub Principal, pub Csrf);

/// The anti-forgery value of a session's forms: SHA-256 of the session's id (or of the bearer
/// token a request sends), in hex.
#[derive(Clone, Debug)]
pub(crate) struct Csrf(String);

impl Csrf {
    fn of(token: &str) -> Self {
        let digest = Sha256::new().chain_update(b"covenant form\0").chain_update(token.as_bytes()).finalize();
        Csrf(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The hidden field every form of a signed-in page carries.
    pub(crate) fn field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.0); }
    }

    /// Whether `posted`, the value of a form's hidden field, is this session's.
    pub(crate) fn matches(&self, posted: Option<&str>) -> bool {
        let Some(posted) = posted else { return false };
        // Compared in full whatever differs first, so the time taken tells nothing.
        posted.len() == self.0.len() && posted.bytes().zip(self.0.bytes()).fold(0, |d, (a, b)| d | (a ^ b)) == 0
    }
}

impl FromRequestParts<Arc<Service>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Response> {
        let found = match auth::bearer(parts) {
            Ok(Some(token)) => Some((auth::principal(service, token).await, token)),
            Ok(None) => match cookie(parts, COOKIE) {
                Some(id) => Some((resume(service, id).await, id)),
                None => None,
            },
            Err(_) => None,
        };
        let Some((found, secret)) = found else {
            return Err(Redirect::to(SIGN_IN).into_response());
        };
        match found {
            Ok(principal) => {
                principal.require(Action::ReadReports).map_err(|e| Failure::from(e).into_response())?;
                Ok(Viewer(principal, Csrf::of(secret)))
            }
            // A stale cookie is cleared on the way to signing in again.
            Err(ApiError::Unauthenticated(_)) => Err(signed_out(service, Redirect::to(SIGN_IN).into_response())),
            Err(other) => Err(Failure(other).into_response()),
        }
    }
}

/// What a page or form about one thing reads first: the service, the [`Viewer`], and the key in
/// its address. Refused as those two extractors refuse, in that order.
pub(crate) struct About {
    pub(crate) service: Arc<Service>,
    pub(crate) viewer: Viewer,
    pub(crate) key: String,
}

impl FromRequestParts<Arc<Service>> for About {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, service).await?;
        let Path(key) =
            Path::<String>::from_request_parts(parts, service).await.map_err(IntoResponse::into_response)?;
        Ok(Self { service: Arc::clone(service), viewer, key })
    }
}

/// The principal of the session with id `id`, renewed.
async fn resume(service: &Service, id: &str) -> Result<Principal, ApiError> {
    let stores = &service.stores;
    let now = kernel::Timestamp::now();
    Ok(app::resume_session(stores.sessions.as_ref(), stores.tokens.as_ref(), id, service.settings.sessions, now)
        .await?)
}

/// Begins a session for `principal` and answers `response`, setting the session cookie.
async fn begin(service: &Service, principal: &Principal, mut response: Response) -> Response {
    let begun = match app::begin_session(service.stores.sessions.as_ref(), principal, kernel::Timestamp::now()).await {
        Ok(begun) => begun,
        Err(e) => return Failure::from(e).into_response(),
    };
    if let Some(cookie) = set_cookie(service, &format!("{COOKIE}={}", begun.id), "Path=/") {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The value of the cookie `name`, if the request sends one.
fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

fn cookie_in<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
}

/// The cookie `pair` (`name=value`) with `attributes` as a `Set-Cookie` value: HTTP only, same
/// site only, and `Secure` behind HTTPS.
fn set_cookie(service: &Service, pair: &str, attributes: &str) -> Option<HeaderValue> {
    set_cookie_from(service, pair, "Strict", attributes)
}

/// As [`set_cookie`], sent on navigations from other sites too when `same_site` is `Lax`.
fn set_cookie_from(service: &Service, pair: &str, same_site: &str, attributes: &str) -> Option<HeaderValue> {
    let secure = if service.settings.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{pair}; HttpOnly; SameSite={same_site}; {attributes}{secure}")).ok()
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignIn {
    token: String,
    #[serde(default)]
    csrf: String,
}

/// The sign-out form.
#[derive(Deserialize)]
pub(crate) struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn").finish_non_exhaustive()
    }
}

/// `GET /dashboard/sign-in`.
pub(crate) async fn form(State(service): State<Arc<Service>>, headers: HeaderMap) -> Response {
    form_page(&service, &headers, StatusCode::OK, None)
}

/// The sign-in form with `error`, if any, answered with `status`; its anti-forgery value is the
/// one in the request's cookie, or a new one set in the cookie.
fn form_page(service: &Service, headers: &HeaderMap, status: StatusCode, error: Option<&str>) -> Response {
    let kept = cookie_in(headers, CSRF_COOKIE).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let value = kept.map_or_else(fresh, str::to_owned);
    let providers = service.open_id().map(|o| o.providers().to_vec()).unwrap_or_default();
    let mut response = render(page(&value, &providers, error));
    *response.status_mut() = status;
    if kept.is_none() {
        if let Some(cookie) = set_cookie(service, &format!("{CSRF_COOKIE}={value}"), &format!("Path={SIGN_IN}")) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// A new random value: 256 bits in hex; for an anti-forgery value, or a form's idempotency key.
pub(crate) fn fresh() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /dashboard/sign-in`: on a token that may read the reports, begins a session and goes to
/// the overview; otherwise shows the form again with what was wrong.
pub(crate) async fn sign_in(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let token = form.token.trim();
    let refused = |status: StatusCode, why: String| {
        form_page(&service, &headers, status, Some(&format!("The token was not accepted: {why}")))
    };
    if cookie_in(&headers, CSRF_COOKIE) != Some(form.csrf.as_str()) {
        return refused(StatusCode::FORBIDDEN, FORGED.to_owned());
    }
    let principal = match auth::principal(&service, token).await {
        Ok(principal) => principal,
        Err(ApiError::Unauthenticated(why)) => return refused(StatusCode::UNAUTHORIZED, why),
        Err(other) => return Failure(other).into_response(),
    };
    if let Err(e) = principal.require(Action::ReadReports) {
        return refused(StatusCode::FORBIDDEN, e.to_string());
    }
    // The demo opens on the day of its latest event (`Settings::demo_day`), where its stories are
    // current; the overview links to today.
    let opening = match service.settings.demo_day {
        Some(day) => format!("/dashboard?as_of={day}"),
        None => "/dashboard".to_owned(),
    };
    begin(&service, &principal, Redirect::to(&opening).into_response()).await
}

/// `GET /dashboard/sign-in/with/{provider}`: sends the browser to the provider to sign in, the
/// sign-in's `state` kept in the browser's cookie.
pub(crate) async fn with_provider(
    State(service): State<Arc<Service>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(open_id) = service.open_id() else {
        let why = app::SignInError::UnknownProvider(provider).to_string();
        return form_page(&service, &headers, StatusCode::NOT_FOUND, Some(&why));
    };
    let (url, state) = match open_id.begin(service.stores.sign_ins.as_ref(), &provider, kernel::Timestamp::now()).await
    {
        Ok(begun) => begun,
        Err(e) => return form_page(&service, &headers, refusal_status(&e), Some(&e.to_string())),
    };
    let mut response = Redirect::to(&url).into_response();
    let pair = format!("{STATE_COOKIE}={state}");
    if let Some(cookie) = set_cookie_from(&service, &pair, "Lax", &format!("Path={CALLBACK}; Max-Age=600")) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// What a provider sends the browser back with.
#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /dashboard/sign-in/callback`: finishes a sign-in with a provider and begins the person's
/// session; any callback that does not check out shows the sign-in page with why, and begins
/// nothing.
pub(crate) async fn callback(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Query(back): Query<Callback>,
) -> Response {
    let shown = |status: StatusCode, why: &str| {
        let mut page = form_page(&service, &headers, status, Some(why));
        if let Some(cleared) =
            set_cookie_from(&service, &format!("{STATE_COOKIE}="), "Lax", &format!("Path={CALLBACK}; Max-Age=0"))
        {
            page.headers_mut().append(header::SET_COOKIE, cleared);
        }
        page
    };
    if let Some(error) = back.error {
        let detail = back.error_description.unwrap_or_default();
        return shown(
            StatusCode::FORBIDDEN,
            &format!(
                "The provider did not sign you in ({error}{}{detail}): try again, or sign in another way",
                if detail.is_empty() { "" } else { ": " }
            ),
        );
    }
    let (Some(code), Some(state), Some(open_id)) = (back.code, back.state, service.open_id()) else {
        return shown(
            StatusCode::BAD_REQUEST,
            "The sign-in came back without its code and state: sign in again from this page",
        );
    };
    let kept = cookie_in(&headers, STATE_COOKIE);
    let principal =
        match open_id.finish(service.stores.sign_ins.as_ref(), &state, kept, &code, kernel::Timestamp::now()).await {
            Ok(principal) => principal,
            Err(e) => return shown(refusal_status(&e), &e.to_string()),
        };
    if let Err(e) = principal.require(Action::ReadReports) {
        return shown(StatusCode::FORBIDDEN, &e.to_string());
    }
    let mut response = render(continuing(&principal));
    if let Some(cleared) =
        set_cookie_from(&service, &format!("{STATE_COOKIE}="), "Lax", &format!("Path={CALLBACK}; Max-Age=0"))
    {
        response.headers_mut().append(header::SET_COOKIE, cleared);
    }
    begin(&service, &principal, response).await
}

/// The status a sign-in refused with `error` is answered with; a store's failure is logged here,
/// as its page says nothing of the cause.
fn refusal_status(error: &app::SignInError) -> StatusCode {
    match error {
        app::SignInError::UnknownProvider(_) => StatusCode::NOT_FOUND,
        app::SignInError::Unavailable { .. } => StatusCode::BAD_GATEWAY,
        app::SignInError::Store(cause) => {
            tracing::error!(error = %cause, "failed to keep or read a sign-in under way");
            StatusCode::SERVICE_UNAVAILABLE
        }
        app::SignInError::Refused(_) => StatusCode::FORBIDDEN,
        app::SignInError::Busy => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The page a signed-in person passes through on the way to the dashboard.
fn continuing(principal: &Principal) -> Markup {
    layout::bare_with_refresh(
        "Signed in",
        "/dashboard",
        html! {
            p { "You are signed in as " strong { (principal.name) } ", with the " (principal.role) " role." }
            p { a href="/dashboard" { "Continue to the dashboard" } }
        },
    )
}

/// Why a form post from another site, or from a form page too old, is refused.
const FORGED: &str =
    "the form was not sent from this service's own page (or the page was too old): sign in again from this page";

/// `POST /dashboard/sign-out`: ends the session and clears its cookie, when the form is the
/// session's own; a person signed in with a provider that offers RP-initiated logout is offered
/// to sign out there too.
pub(crate) async fn sign_out(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    let own = cookie_in(&headers, COOKIE).filter(|id| Csrf::of(id).matches(Some(&form.csrf)));
    let Some(id) = own else {
        let failure = ApiError::Forbidden(
            "the sign-out form was not sent from this service's own page: sign out with the button on a dashboard page"
                .to_owned(),
        );
        return Failure(failure).into_response();
    };
    let ended = match app::end_session(service.stores.sessions.as_ref(), id, kernel::Timestamp::now()).await {
        Ok(ended) => ended,
        Err(e) => return Failure::from(e).into_response(),
    };
    // A person signed in with a provider that offers to sign them out there too is offered it:
    // a link, since a form's redirect to another site would break `form-action 'self'`.
    let provider = ended.and_then(|session| session.provider);
    if let (Some(name), Some(open_id)) = (provider, service.open_id()) {
        if let Some(url) = open_id.sign_out_url(&name).await {
            let page = layout::bare(
                "Signed out",
                html! {
                    p { "You are signed out of Covenant." }
                    p { "You are still signed in to " (name) ", which other services may use. On a shared computer, sign out there too." }
                    p { a.button role="button" draggable="false" href=(url) { "Sign out of " (name) } }
                    p { a href=(SIGN_IN) { "Sign in again" } }
                },
                false,
            );
            return signed_out(&service, render(page));
        }
    }
    signed_out(&service, Redirect::to(SIGN_IN).into_response())
}

/// `response`, clearing the session cookie.
fn signed_out(service: &Service, mut response: Response) -> Response {
    if let Some(value) = set_cookie(service, &format!("{COOKIE}="), "Path=/; Max-Age=0") {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn page(csrf: &str, providers: &[app::Provider], error: Option<&str>) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            @if let Some(error) = error {
                p.alert role="alert" { (error) }
            }
            @if !providers.is_empty() {
                h2 { "Sign in with your organisation's account" }
                // Links, not forms: the page's `form-action 'self'` would stop a form's redirect
                // to the provider.
                @for provider in providers {
                    p { a.button role="button" draggable="false" href=(format!("{SIGN_IN}/with/{}", provider.id)) { "Sign in with " (provider.name) } }
                }
                h2 { "Or sign in with an access token" }
            }
            p { "Sign in with an access token from your administrator (" code { "covenant token create" } "). Any role may read the dashboard; the audit trail needs an auditor's or administrator's token." }
            form method="post" action=(SIGN_IN) {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                p {
                    label for="token" { "Access token" }
                    br;
                    input #token type="password" name="token" autocomplete="off" required size="60";
                }
                button type="submit" { "Sign in" }
            }
        },
        false,
    )
}
