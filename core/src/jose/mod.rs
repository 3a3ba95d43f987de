//! JOSE: the compact JWS form and its header (`jws`), JSON Web Keys and
//! algorithms (`jwk`), and why a token is not valid (`error`). Nothing here
//! knows an issuer's configuration or HTTP.

pub(crate) mod error;
pub(crate) mod jwk;
pub(crate) mod jws;
