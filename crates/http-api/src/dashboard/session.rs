//! Signing in to the dashboard: the sign-in form, the session cookie that holds the token, and
//! [`Viewer`], the principal of a dashboard request. The token is checked by `auth` on every
//! request, from the cookie or the bearer header, exactly as the API checks it, so a revoked
//! token stops working at once. Tokens travel only in a POST body, a header or the cookie, never
//! in a URL, and are never logged.

use std::sync::Arc;

use app::{Action, Principal};
use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Failure, layout, render};
use crate::{ApiError, Service, auth};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "covenant_session";

const SIGN_IN: &str = "/dashboard/sign-in";

/// The principal a dashboard request acts for: signed in, with a role that may read the reports.
#[derive(Clone, Debug)]
pub(crate) struct Viewer(pub Principal);

impl FromRequestParts<Arc<Service>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Response> {
        let token = match auth::bearer(parts) {
            Ok(Some(token)) => Some(token),
            Ok(None) => cookie(parts),
            Err(_) => None,
        };
        let Some(token) = token else {
            return Err(Redirect::to(SIGN_IN).into_response());
        };
        match auth::principal(service, token).await {
            Ok(principal) => {
                principal.require(Action::ReadReports).map_err(|e| Failure::from(e).into_response())?;
                Ok(Viewer(principal))
            }
            // A stale cookie is cleared on the way to signing in again.
            Err(ApiError::Unauthenticated(_)) => Err(signed_out(Redirect::to(SIGN_IN).into_response())),
            Err(other) => Err(Failure(other).into_response()),
        }
    }
}

/// The token in the session cookie, if the request sends one.
fn cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .filter(|token| !token.is_empty())
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignIn {
    token: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn").finish_non_exhaustive()
    }
}

/// `GET /dashboard/sign-in`.
pub(crate) async fn form() -> Response {
    render(page(None))
}

/// `POST /dashboard/sign-in`: on a token that may read the reports, sets the session cookie and
/// goes to the overview; otherwise shows the form again with what was wrong.
pub(crate) async fn sign_in(State(service): State<Arc<Service>>, Form(form): Form<SignIn>) -> Response {
    let token = form.token.trim();
    let refused = |status: StatusCode, why: String| {
        let mut response = render(page(Some(&why)));
        *response.status_mut() = status;
        response
    };
    let principal = match auth::principal(&service, token).await {
        Ok(principal) => principal,
        Err(ApiError::Unauthenticated(why)) => return refused(StatusCode::UNAUTHORIZED, why),
        Err(other) => return Failure(other).into_response(),
    };
    if let Err(e) = principal.require(Action::ReadReports) {
        return refused(StatusCode::FORBIDDEN, e.to_string());
    }
    let Ok(cookie) = HeaderValue::from_str(&format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")) else {
        return refused(StatusCode::UNAUTHORIZED, "the token holds characters no token Covenant issues has".to_owned());
    };
    let mut response = Redirect::to("/dashboard").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// `POST /dashboard/sign-out`: clears the session cookie.
pub(crate) async fn sign_out() -> Response {
    signed_out(Redirect::to(SIGN_IN).into_response())
}

/// `response`, clearing the session cookie.
fn signed_out(mut response: Response) -> Response {
    let cleared = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cleared) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn page(error: Option<&str>) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            @if let Some(error) = error {
                p.alert role="alert" { "The token was not accepted: " (error) }
            }
            p { "Sign in with an access token from your administrator (" code { "covenant token create" } "). Any role may read the dashboard; the audit trail needs an auditor's or administrator's token." }
            form method="post" action=(SIGN_IN) {
                p {
                    label for="token" { "Access token" }
                    br;
                    input #token type="password" name="token" autocomplete="off" required size="60";
                }
                button type="submit" { "Sign in" }
            }
        },
    )
}
