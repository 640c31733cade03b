//! Reading and writing the header fields the handshake cares about.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};
use noio_ws_codec::bytes::{BufMut, Bytes, BytesMut};
use noio_ws_registry::{ExtensionOffer, parse_extensions, parse_tokens};

use crate::HandshakeError;

/// True when a comma-list header holds `token`, in any case, on any of its lines.
pub(crate) fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The value of a field that may appear at most once: RFC 9110 section 5.3
/// lets only list-valued fields repeat, and RFC 6455 section 11.3 says so of
/// Sec-WebSocket-Key, -Version, -Accept and (in a response) -Protocol.
pub(crate) fn single<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> Result<Option<&'a HeaderValue>, HandshakeError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(HandshakeError::BadHeader { header: name, problem: "appears more than once" });
    }
    Ok(first)
}

/// The tokens of every line of a comma-list header (Sec-WebSocket-Protocol).
pub(crate) fn tokens<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Vec<&'a str>, HandshakeError> {
    let mut all = Vec::new();
    for value in headers.get_all(name) {
        let value =
            value.to_str().map_err(|_| HandshakeError::BadHeader { header: name, problem: "not text" })?;
        all.extend(
            parse_tokens(value).map_err(|error| HandshakeError::HeaderGrammar { header: name, error })?,
        );
    }
    Ok(all)
}

/// The offers of every line of a Sec-WebSocket-Extensions header.
pub(crate) fn extensions(headers: &HeaderMap) -> Result<Vec<ExtensionOffer>, HandshakeError> {
    const NAME: &str = "sec-websocket-extensions";
    let mut all = Vec::new();
    for value in headers.get_all(NAME) {
        let value =
            value.to_str().map_err(|_| HandshakeError::BadHeader { header: NAME, problem: "not text" })?;
        all.extend(
            parse_extensions(value).map_err(|error| HandshakeError::HeaderGrammar { header: NAME, error })?,
        );
    }
    Ok(all)
}

/// The most header fields a head may have whatever [`crate::Limits`] says:
/// an `http::HeaderMap` holds at most this many distinct names (three
/// quarters of its 2^15 slots) and panics past it, so a larger
/// `max_headers` is taken as this.
pub(crate) const MAX_FIELDS: usize = 24_576;

/// The header limit in force: `max_headers`, clamped to [`MAX_FIELDS`].
pub(crate) fn field_limit(max_headers: usize) -> usize {
    max_headers.min(MAX_FIELDS)
}

/// The slots httparse parses `head` into, for at most `limit` fields.
///
/// Never more than the head could hold: a field line takes at least three
/// bytes (a one-byte name, the colon and a bare LF), so `head.len() / 3`
/// slots always suffice and httparse's `TooManyHeaders` still means the
/// limit was passed. A huge limit thus costs no more than the head's bytes.
pub(crate) fn header_slots(limit: usize, head: &[u8]) -> Vec<httparse::Header<'static>> {
    vec![httparse::EMPTY_HEADER; limit.min(head.len() / 3)]
}

/// Maps httparse's result on a whole head (the blank line was found, so
/// `Partial` cannot be right) to ours; `limit` is the header limit in force.
pub(crate) fn check_parsed(
    result: Result<httparse::Status<usize>, httparse::Error>,
    limit: usize,
    what: &'static str,
) -> Result<(), HandshakeError> {
    match result {
        Ok(httparse::Status::Complete(_)) => Ok(()),
        Ok(httparse::Status::Partial) => Err(HandshakeError::Malformed("incomplete head")),
        Err(httparse::Error::TooManyHeaders) => Err(HandshakeError::TooManyHeaders { max: limit }),
        Err(_) => Err(HandshakeError::Malformed(what)),
    }
}

/// Converts httparse's header list into a `HeaderMap`. Its fallible calls
/// keep a map that would outgrow `http`'s capacity a typed error (431), not
/// a panic, even if [`MAX_FIELDS`] were ever out of date.
pub(crate) fn to_header_map(
    parsed: &[httparse::Header<'_>],
    limit: usize,
) -> Result<HeaderMap, HandshakeError> {
    let full = |_| HandshakeError::TooManyHeaders { max: limit };
    let mut map = HeaderMap::try_with_capacity(parsed.len()).map_err(full)?;
    for h in parsed {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| HandshakeError::Malformed("header name"))?;
        let value =
            HeaderValue::from_bytes(h.value).map_err(|_| HandshakeError::Malformed("header value"))?;
        map.try_append(name, value).map_err(full)?;
    }
    Ok(map)
}

/// httparse's minor version as an `http::Version`.
pub(crate) fn version(minor: Option<u8>) -> Version {
    match minor {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    }
}

/// An HTTP/1.1 response head (and body) as bytes. A `Content-Length` is
/// added for any status but 101 unless `headers` has one.
pub(crate) fn write_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(128 + body.len());
    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.put_slice(b"\r\n");
    write_headers(&mut out, headers);
    if status != StatusCode::SWITCHING_PROTOCOLS && !headers.contains_key(http::header::CONTENT_LENGTH) {
        out.put_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.put_slice(b"\r\n");
    out.put_slice(body);
    out.freeze()
}

/// Writes `name: value` lines.
pub(crate) fn write_headers(out: &mut BytesMut, headers: &HeaderMap) {
    for (name, value) in headers {
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_slots_are_bounded_by_the_limit_and_by_the_head_length() {
        assert_eq!(header_slots(4, &[b'a'; 100]).len(), 4);
        assert_eq!(header_slots(usize::MAX, &[b'a'; 100]).len(), 33);
        assert_eq!(header_slots(0, &[b'a'; 100]).len(), 0);
        assert_eq!(field_limit(usize::MAX), MAX_FIELDS);
        assert_eq!(field_limit(0), 0);
    }

    #[test]
    fn a_head_of_the_shortest_field_lines_fits_its_slots() {
        // "a:\n" is the shortest line httparse takes as a field.
        let head = [&b"GET / HTTP/1.1\n"[..], &b"a:\n".repeat(50), b"\n"].concat();
        let mut slots = header_slots(usize::MAX, &head);
        let mut req = httparse::Request::new(&mut slots);
        assert_eq!(check_parsed(req.parse(&head), MAX_FIELDS, "request head"), Ok(()));
        assert_eq!(req.headers.len(), 50);
    }

    #[test]
    fn a_header_map_holds_max_fields_distinct_names() {
        let names: Vec<String> = (0..MAX_FIELDS).map(|i| format!("x-{i}")).collect();
        let parsed: Vec<_> = names.iter().map(|name| httparse::Header { name, value: b"v" }).collect();
        assert_eq!(to_header_map(&parsed, MAX_FIELDS).map(|map| map.len()), Ok(MAX_FIELDS));
    }
}
