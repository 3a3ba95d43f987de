// `pub` and `pub(crate)` handlers, in a module, registered from outside it.
use actix_web::App;

pub mod handlers {
    use actix_web::{HttpResponse, get};
    use scopegate::require_scopes;

    #[get("/deploy")]
    #[require_scopes("deploy:applications")]
    pub async fn deploy() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    /// Documented handlers keep their docs.
    #[require_scopes("read:deployments")]
    pub(crate) async fn list() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[require_scopes("read:deployments")]
    pub async fn r#type() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
}

pub(crate) fn main() {
    let _ = App::new()
        .service(handlers::deploy)
        .route("/list", actix_web::web::get().to(handlers::list))
        .route("/type", actix_web::web::get().to(handlers::r#type));
}
