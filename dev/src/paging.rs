//! Paging of the management API's lists (`page_size`, `page_token`,
//! `next_page_token`, `prev_page_token`, `total_size`), shared by the
//! client and organization stores.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::DevError;

const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 100;

/// One page of a list kept oldest first: which entries it holds and the
/// tokens of its neighbours. New entries go at the end, so a token (an
/// offset) keeps pointing at the same entries while the list grows.
pub(crate) struct PageWindow {
    pub(crate) range: std::ops::Range<usize>,
    pub(crate) next_page_token: Option<String>,
    pub(crate) prev_page_token: Option<String>,
    pub(crate) total_size: u64,
}

impl PageWindow {
    /// The page of a list of `len` entries that `page_size` (default 10,
    /// at most 100) and `page_token` (`None`: the first page) ask for; a
    /// token this issuer did not hand out is `400` naming `page_token`.
    pub(crate) fn new(
        len: usize,
        page_size: Option<usize>,
        page_token: Option<&str>,
    ) -> Result<Self, DevError> {
        let size = match page_size {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(size) => size.min(MAX_PAGE_SIZE),
        };
        let offset = match page_token {
            None => 0,
            Some(token) => decode_page_token(token)
                .filter(|&offset| offset <= len)
                .ok_or_else(|| {
                    DevError::invalid_field("page_token", "not a page token from this issuer")
                })?,
        };
        let end = offset.saturating_add(size).min(len);
        Ok(PageWindow {
            range: offset..end,
            next_page_token: (end < len).then(|| encode_page_token(end)),
            prev_page_token: (offset > 0).then(|| encode_page_token(offset.saturating_sub(size))),
            total_size: u64::try_from(len).unwrap_or(u64::MAX),
        })
    }
}

fn encode_page_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}
