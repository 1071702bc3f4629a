//! Signing in to the dashboard: the sign-in form, the session cookie that holds the token, and
//! [`Viewer`], the principal of a dashboard request. The token is checked by `auth` on every
//! request, from the cookie or the bearer header, exactly as the API checks it, so a revoked
//! token stops working at once. Tokens travel only in a POST body, a header or the cookie, never
//! in a URL, and are never logged.
//!
//! Every form is protected from cross-site posts, not by `SameSite` alone. The sign-in form,
//! which has no session yet, by double submit: the form page sets a random value in the
//! `covenant_csrf` cookie and in a hidden field, and a post whose field does not equal its cookie
//! is refused (a page on another site can neither read the cookie nor, `SameSite=Strict`, have
//! it sent). Every form of a signed-in page (sign-out and the forms that record) carries
//! [`Csrf`], a value derived from the session's token, which another site cannot know. Cookies carry `Secure` when the service is told it is behind HTTPS
//! (`Settings::secure_cookies`).

use std::sync::Arc;

use app::{Action, Principal};
use axum::Form;
use axum::extract::{FromRequestParts, State};
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
/// The hidden field holding a form's anti-forgery value.
pub(crate) const CSRF_FIELD: &str = "csrf";

const SIGN_IN: &str = "/dashboard/sign-in";

/// The principal a dashboard request acts for: signed in, with a role that may read the reports;
/// and the anti-forgery value its page's forms carry.
#[derive(Clone, Debug)]
pub(crate) struct Viewer(pub Principal, pub Csrf);

/// The anti-forgery value of a session's forms: SHA-256 of the session's token, in hex.
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
        let token = match auth::bearer(parts) {
            Ok(Some(token)) => Some(token),
            Ok(None) => cookie(parts, COOKIE),
            Err(_) => None,
        };
        let Some(token) = token else {
            return Err(Redirect::to(SIGN_IN).into_response());
        };
        match auth::principal(service, token).await {
            Ok(principal) => {
                principal.require(Action::ReadReports).map_err(|e| Failure::from(e).into_response())?;
                Ok(Viewer(principal, Csrf::of(token)))
            }
            // A stale cookie is cleared on the way to signing in again.
            Err(ApiError::Unauthenticated(_)) => Err(signed_out(service, Redirect::to(SIGN_IN).into_response())),
            Err(other) => Err(Failure(other).into_response()),
        }
    }
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
    let secure = if service.settings.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{pair}; HttpOnly; SameSite=Strict; {attributes}{secure}")).ok()
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
    let mut response = render(page(&value, error));
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

/// `POST /dashboard/sign-in`: on a token that may read the reports, sets the session cookie and
/// goes to the overview; otherwise shows the form again with what was wrong.
pub(crate) async fn sign_in(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let token = form.token.trim();
    let refused = |status: StatusCode, why: String| form_page(&service, &headers, status, Some(&why));
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
    let Some(cookie) = set_cookie(&service, &format!("{COOKIE}={token}"), "Path=/") else {
        return refused(StatusCode::UNAUTHORIZED, "the token holds characters no token Covenant issues has".to_owned());
    };
    let opening = match service.settings.demo_day {
        Some(day) => format!("/dashboard?as_of={day}"),
        None => "/dashboard".to_owned(),
    };
    let mut response = Redirect::to(&opening).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// Why a form post from another site, or from a form page too old, is refused.
const FORGED: &str =
    "the form was not sent from this service's own page (or the page was too old): sign in again from this page";

/// `POST /dashboard/sign-out`: clears the session cookie, when the form is the session's own.
pub(crate) async fn sign_out(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    let own = cookie_in(&headers, COOKIE).is_some_and(|token| Csrf::of(token).matches(Some(&form.csrf)));
    if !own {
        let failure = ApiError::Forbidden(
            "the sign-out form was not sent from this service's own page: sign out with the button on a dashboard page"
                .to_owned(),
        );
        return Failure(failure).into_response();
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

fn page(csrf: &str, error: Option<&str>) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            @if let Some(error) = error {
                p.alert role="alert" { "The token was not accepted: " (error) }
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
