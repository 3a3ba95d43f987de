use actix_web::{App, HttpResponse, web};
use scopegate::require_scopes;
use serde::de::DeserializeOwned;

#[derive(serde::Deserialize)]
struct Deploy {
    service: String,
}

#[require_scopes("deploy:applications")]
async fn create<T>(body: web::Json<T>) -> HttpResponse
where
    T: DeserializeOwned + Into<String> + 'static,
{
    HttpResponse::Ok().body(body.into_inner().into())
}

impl From<Deploy> for String {
    fn from(deploy: Deploy) -> String {
        deploy.service
    }
}

pub(crate) fn main() {
    let _ = App::new().route("/", web::post().to(create::<Deploy>));
}
