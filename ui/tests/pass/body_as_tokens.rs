// The handler's body is passed through as tokens, never parsed by the
// macro: here it holds syntax that rustc accepts (with a lint) but syn
// cannot parse, an associated type's where clause before its `=`.
use actix_web::{App, HttpResponse, web};
use scopegate::require_scopes;

#[require_scopes("read:deployments")]
async fn first(names: web::Json<Vec<String>>) -> HttpResponse {
    trait Lend {
        type Item<'a>
        where
            Self: 'a;
        fn first(&self) -> Option<Self::Item<'_>>;
    }
    #[allow(deprecated_where_clause_location)]
    impl Lend for Vec<String> {
        type Item<'a>
        where
            Self: 'a,
        = &'a str;
        fn first(&self) -> Option<&str> {
            self.iter().next().map(String::as_str)
        }
    }
    HttpResponse::Ok().body(names.first().unwrap_or("none").to_owned())
}

pub(crate) fn main() {
    let _ = App::new().route("/", web::post().to(first));
}
