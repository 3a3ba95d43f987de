use actix_web::HttpRequest;
use scopegate::require_scopes;

#[require_scopes("deploy:applications")]
async fn deploy(
    _r1: HttpRequest,
    _r2: HttpRequest,
    _r3: HttpRequest,
    _r4: HttpRequest,
    _r5: HttpRequest,
    _r6: HttpRequest,
    _r7: HttpRequest,
    _r8: HttpRequest,
    _r9: HttpRequest,
    _r10: HttpRequest,
    _r11: HttpRequest,
    _r12: HttpRequest,
    _r13: HttpRequest,
    _r14: HttpRequest,
    _r15: HttpRequest,
    _r16: HttpRequest,
    _r17: HttpRequest,
) -> &'static str {
    ""
}

fn main() {}
