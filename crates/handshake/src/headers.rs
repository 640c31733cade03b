//! Reading and writing the header fields the handshake cares about.

use http::{HeaderMap, HeaderName, StatusCode, Version};
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

/// Maps httparse's result on a whole head (the blank line was found, so
/// `Partial` cannot be right) to ours.
pub(crate) fn check_parsed(
    result: Result<httparse::Status<usize>, httparse::Error>,
    max_headers: usize,
    what: &'static str,
) -> Result<(), HandshakeError> {
    match result {
        Ok(httparse::Status::Complete(_)) => Ok(()),
        Ok(httparse::Status::Partial) => Err(HandshakeError::Malformed("incomplete head")),
        Err(httparse::Error::TooManyHeaders) => Err(HandshakeError::TooManyHeaders { max: max_headers }),
        Err(_) => Err(HandshakeError::Malformed(what)),
    }
}

/// Converts httparse's header list into a `HeaderMap`.
pub(crate) fn to_header_map(parsed: &[httparse::Header<'_>]) -> Result<HeaderMap, HandshakeError> {
    let mut map = HeaderMap::with_capacity(parsed.len());
    for h in parsed {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| HandshakeError::Malformed("header name"))?;
        let value =
            http::HeaderValue::from_bytes(h.value).map_err(|_| HandshakeError::Malformed("header value"))?;
        map.append(name, value);
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
