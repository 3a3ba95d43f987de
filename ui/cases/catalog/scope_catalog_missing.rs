// scope_catalog!() without a `scopes.catalog` at the crate root, and with a
// path that is not a string.
use scopegate::{scope_catalog, policy::ScopeCatalog};

const DEFAULT: ScopeCatalog = scope_catalog!();
const BAD: ScopeCatalog = scope_catalog!(catalogs / deploy);

fn main() {
    let _ = (DEFAULT, BAD);
}
