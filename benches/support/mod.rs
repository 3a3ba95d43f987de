//! What the actix-web benches (`handler`, `metrics`, `revocation`) share:
//! one request through an app (`request!`), the callgrind loop, and the
//! `SCOPEGATE_COUNT=<case>:<n>` switch that selects it.

use std::future::Future;
use std::hint::black_box;

use actix_web::dev::ServiceResponse;

/// One `GET $path` with this `Authorization` header through `$app`: a
/// future of its `ServiceResponse`.
macro_rules! request {
    ($app:expr, $path:expr, $header:expr) => {
        actix_web::test::call_service(
            $app,
            actix_web::test::TestRequest::get()
                .uri($path)
                .insert_header((actix_web::http::header::AUTHORIZATION, $header))
                .to_request(),
        )
    };
}

/// `n` requests in one `block_on`, in a function of its own for
/// callgrind's `--toggle-collect`.
#[inline(never)]
pub(crate) fn counted_loop<F, Fut>(system: &actix_web::rt::SystemRunner, mut request: F, n: u64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ServiceResponse>,
{
    system.block_on(async {
        for _ in 0..n {
            black_box(request().await);
        }
    });
}

/// The case and request count of `SCOPEGATE_COUNT=<case>:<n>`, when set:
/// the bench then runs that case `n` times under [`counted_loop`] instead
/// of timing anything.
pub(crate) fn count_spec() -> Option<(String, u64)> {
    let spec = std::env::var("SCOPEGATE_COUNT").ok()?;
    let (case, n) = spec.split_once(':').expect("SCOPEGATE_COUNT=<case>:<n>");
    Some((case.to_owned(), n.parse().expect("a request count")))
}
