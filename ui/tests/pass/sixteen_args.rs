// A handler with 16 extractors (the most actix-web takes) and a long list
// of scopes.
use actix_web::{App, HttpRequest, HttpResponse, web};
use scopegate::{Claims, require_scopes};

#[require_scopes(
    "s1:a", "s2:a", "s3:a", "s4:a", "s5:a", "s6:a", "s7:a", "s8:a", "s9:a", "s10:a", "s11:a",
    "s12:a", "s13:a", "s14:a", "s15:a", "s16:a", "s17:a", "s18:a", "s19:a", "s20:a"
)]
async fn sixteen(
    claims: Claims,
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
) -> HttpResponse {
    HttpResponse::Ok().body(claims.sub().unwrap_or_default().to_owned())
}

pub(crate) fn main() {
    let _ = App::new().route("/", web::get().to(sixteen));
}
