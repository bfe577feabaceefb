//! Request latency per route: the route's pattern (`/api/v1/sends/{id}`), never the raw
//! path, so the label set stays small.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use super::HTTP_DURATION;

pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let class = format!("{}xx", response.status().as_u16() / 100);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route, "status" => class)
        .record(started.elapsed().as_secs_f64());
    response
}
