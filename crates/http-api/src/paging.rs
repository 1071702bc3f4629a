//! Page sizes: a query or a page of the feed holds `limit` items, by default the service's
//! default page and never more than its maximum.

use crate::{ApiError, Settings};

/// The page size a request asks for, within the service's limits.
pub(crate) fn limit(asked: Option<usize>, settings: &Settings) -> Result<usize, ApiError> {
    match asked {
        None => Ok(settings.default_page),
        Some(limit) if (1..=settings.max_page).contains(&limit) => Ok(limit),
        Some(limit) => Err(ApiError::bad_request(
            format!("limit {limit} is out of range: ask for 1 to {} items a page, and page on", settings.max_page),
            "limit",
        )),
    }
}
