//! Checks on free-text fields of management API requests, shared by the
//! client and organization stores.

use crate::error::DevError;

pub(crate) fn check_text(field: &str, text: &str, max: usize) -> Result<(), DevError> {
    if text.chars().count() > max {
        return Err(DevError::invalid_field(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DevError::invalid_field(
            field,
            "contains control characters",
        ));
    }
    Ok(())
}
