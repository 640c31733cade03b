//! HTTP proxy `CONNECT` for clients (RFC 9110 section 9.3.6): a tunnel
//! through an HTTP proxy to the WebSocket server, opened before TLS and
//! the upgrade.
//!
//! Sans-io like the rest: [`Proxy::parse`] reads the proxy's URL,
//! [`connect_request`] writes the request and [`parse_connect_response`]
//! reads the answer's head, all plain functions; [`tunnel`] is the thin
//! async wrapper that connects, writes and reads. The bytes that come after
//! the `2xx` head belong to the tunnel (the server's first bytes) and are
//! handed back with the stream, never dropped.

use base64::Engine;
use noio_ws::Limits;
use noio_ws::handshake::http::StatusCode;
use noio_ws::handshake::http::uri::Uri;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Error;

/// The size of each read of the proxy's response head.
const HEAD_READ: usize = 1024;

/// The most header fields of a proxy's answer we make room for, whatever
/// `Limits::max_headers` says: a `CONNECT` answer has a handful.
const MAX_PROXY_HEADERS: usize = 256;

/// What can go wrong on the way through an HTTP proxy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy URL cannot be used (not `http://host[:port]`, bad
    /// percent-encoding in the userinfo ...).
    #[error("invalid proxy URL: {0}")]
    InvalidUrl(String),
    /// The proxy answered `CONNECT` with a status other than `2xx`
    /// (`407 Proxy Authentication Required`, `403`, `502` ...).
    #[error("the proxy refused the tunnel with {status}")]
    Refused {
        /// The proxy's status.
        status: StatusCode,
    },
    /// The proxy's answer is not an HTTP/1.x response head.
    #[error("the proxy's response head is malformed: {0}")]
    MalformedResponse(String),
    /// The proxy's response head did not end within `Limits::max_head_bytes`.
    #[error("the proxy's response head passed {0} bytes")]
    HeadTooLarge(usize),
    /// The proxy closed the connection before its response head ended.
    #[error("the proxy closed the connection before its response head ended")]
    Closed,
}

/// An HTTP proxy: where it listens, and the credentials to send it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    /// The host to connect to, an IPv6 literal without its brackets.
    host: String,
    port: u16,
    /// The whole `Proxy-Authorization` value (`Basic ...`), if the URL had
    /// a userinfo.
    authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
    // The credentials stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Proxy {
    /// Reads `http://[user[:password]@]host[:port][/]`; the port defaults
    /// to 80 and the userinfo, percent-decoded, becomes basic credentials.
    pub(crate) fn parse(url: &str) -> Result<Proxy, ProxyError> {
        let invalid = |reason: &str| ProxyError::InvalidUrl(format!("{url}: {reason}"));
        let uri: Uri = url.parse().map_err(|e| invalid(&format!("{e}")))?;
        match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("http") => {}
            Some(_) => return Err(invalid("only http:// proxies are supported")),
            None => return Err(invalid("no scheme (http://host:port)")),
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(invalid("a proxy URL has no path or query"));
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        let host = authority.host();
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host).to_owned();
        let port = crate::connect::explicit_port(&uri).map_err(|e| invalid(&e))?.unwrap_or(80);
        let authorization = match authority.as_str().rsplit_once('@') {
            Some((userinfo, _)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let mut credentials =
                    percent_decode(user).ok_or_else(|| invalid("bad %-escape in the user"))?;
                credentials.push(b':');
                credentials
                    .extend(percent_decode(password).ok_or_else(|| invalid("bad %-escape in the password"))?);
                Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials)))
            }
            None => None,
        };
        Ok(Proxy { host, port, authorization })
    }
}

/// `%XX` escapes decoded; `None` for a `%` not followed by two hex digits.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = (bytes.next()? as char).to_digit(16)?;
            let lo = (bytes.next()? as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// The `CONNECT` request for `target` (`host:port`, an IPv6 literal in
/// brackets), with `Host` and, given one, `Proxy-Authorization`.
pub(crate) fn connect_request(target: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = authorization {
        request.push_str("Proxy-Authorization: ");
        request.push_str(authorization);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// Reads the proxy's answer from the bytes received so far: `Ok(None)`
/// while the head is incomplete, `Ok(Some(len))` for a `2xx` head of `len`
/// bytes (what follows is the tunnel's), an error for any other status, a
/// malformed head or one longer than `limits.max_head_bytes`.
pub(crate) fn parse_connect_response(received: &[u8], limits: &Limits) -> Result<Option<usize>, ProxyError> {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers.clamp(1, MAX_PROXY_HEADERS)];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(received) {
        Ok(httparse::Status::Partial) if received.len() > limits.max_head_bytes => {
            Err(ProxyError::HeadTooLarge(limits.max_head_bytes))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(len)) if len > limits.max_head_bytes => {
            Err(ProxyError::HeadTooLarge(limits.max_head_bytes))
        }
        Ok(httparse::Status::Complete(len)) => {
            let code = response.code.unwrap_or(0);
            let status = StatusCode::from_u16(code)
                .map_err(|_| ProxyError::MalformedResponse(format!("status {code}")))?;
            if status.is_success() { Ok(Some(len)) } else { Err(ProxyError::Refused { status }) }
        }
        Err(e) => Err(ProxyError::MalformedResponse(e.to_string())),
    }
}

/// Connects to `proxy` and opens a tunnel to `target` (`host:port`).
/// Returns the stream and the bytes received after the proxy's head.
pub(crate) async fn tunnel(
    proxy: &Proxy,
    target: &str,
    limits: &Limits,
) -> Result<(TcpStream, Vec<u8>), Error> {
    let mut tcp = TcpStream::connect((proxy.host.as_str(), proxy.port)).await?;
    tcp.set_nodelay(true)?;
    tcp.write_all(&connect_request(target, proxy.authorization.as_deref())).await?;
    let mut received = Vec::new();
    let mut buf = [0; HEAD_READ];
    loop {
        let n = tcp.read(&mut buf).await?;
        if n == 0 {
            return Err(ProxyError::Closed.into());
        }
        received.extend_from_slice(&buf[..n]);
        if let Some(len) = parse_connect_response(&received, limits)? {
            received.drain(..len);
            return Ok((tcp, received));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn a_plain_url_gives_host_and_port() {
        let proxy = Proxy::parse("http://proxy.example:3128").unwrap();
        assert_eq!((proxy.host.as_str(), proxy.port, proxy.authorization), ("proxy.example", 3128, None));
        let proxy = Proxy::parse("http://[::1]/").unwrap();
        assert_eq!((proxy.host.as_str(), proxy.port), ("::1", 80));
        assert_eq!(Proxy::parse("HTTP://127.0.0.1:8080").unwrap().port, 8080);
    }

    #[test]
    fn userinfo_becomes_basic_credentials() {
        // RFC 7617's example: Aladdin / open sesame.
        let proxy = Proxy::parse("http://Aladdin:open%20sesame@proxy:8080").unwrap();
        assert_eq!(proxy.authorization.as_deref(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert_eq!(proxy.host, "proxy");
        // A user without a password.
        let proxy = Proxy::parse("http://user@proxy:8080").unwrap();
        assert_eq!(proxy.authorization.as_deref(), Some("Basic dXNlcjo="));
        assert!(!format!("{proxy:?}").contains("dXNlcjo="), "credentials in Debug");
    }

    #[test]
    fn unusable_urls_are_errors() {
        for url in [
            "https://proxy:443",
            "socks5://proxy:1080",
            "proxy:8080",
            "http://proxy:8080/path",
            "http://proxy:8080/?q",
            "http://u:%zz@proxy:8080",
            "http://u:%4@proxy:8080",
            "http://",
            "",
            "not a url",
        ] {
            assert!(matches!(Proxy::parse(url), Err(ProxyError::InvalidUrl(_))), "{url}");
        }
    }

    #[test]
    fn the_request_names_the_target_twice() {
        assert_eq!(
            connect_request("example.com:443", None),
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
        );
        assert_eq!(
            connect_request("[::1]:80", Some("Basic dXNlcjo=")),
            b"CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\nProxy-Authorization: Basic dXNlcjo=\r\n\r\n"
        );
    }

    #[test]
    fn a_2xx_head_gives_its_length_and_leaves_the_rest() {
        let head = b"HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n";
        let mut received = head.to_vec();
        received.extend_from_slice(b"tunnel bytes");
        assert_eq!(parse_connect_response(&received, &limits()).unwrap(), Some(head.len()));
        assert_eq!(parse_connect_response(b"HTTP/1.0 204 \r\n\r\n", &limits()).unwrap(), Some(17));
    }

    #[test]
    fn a_head_in_pieces_is_partial_until_whole() {
        let head = b"HTTP/1.1 200 OK\r\nProxy-Agent: x\r\n\r\n";
        for cut in 0..head.len() {
            assert_eq!(parse_connect_response(&head[..cut], &limits()).unwrap(), None, "cut at {cut}");
        }
        assert_eq!(parse_connect_response(head, &limits()).unwrap(), Some(head.len()));
    }

    #[test]
    fn other_statuses_are_refusals_with_the_status() {
        for (head, status) in [
            (&b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"[..], 407),
            (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 403),
            (b"HTTP/1.1 502 Bad Gateway\r\n\r\n", 502),
            (b"HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n", 301),
        ] {
            match parse_connect_response(head, &limits()) {
                Err(ProxyError::Refused { status: got }) => assert_eq!(got.as_u16(), status),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_and_oversized_heads_are_errors() {
        for garbage in [&b"SSH-2.0-OpenSSH\r\n\r\n"[..], b"HTTP/1.1 2000 OK\r\n\r\n", b"\x16\x03\x01\x00"] {
            assert!(
                matches!(parse_connect_response(garbage, &limits()), Err(ProxyError::MalformedResponse(_))),
                "{garbage:?}"
            );
        }
        let small = Limits { max_head_bytes: 64, ..Limits::default() };
        let mut long = b"HTTP/1.1 200 OK\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'x', 100));
        assert!(matches!(parse_connect_response(&long, &small), Err(ProxyError::HeadTooLarge(64))));
        long.extend_from_slice(b": y\r\n\r\n");
        assert!(matches!(parse_connect_response(&long, &small), Err(ProxyError::HeadTooLarge(64))));
        let many: Vec<u8> = [&b"HTTP/1.1 200 OK\r\n"[..], &b"a: b\r\n".repeat(300), b"\r\n"].concat();
        assert!(matches!(parse_connect_response(&many, &limits()), Err(ProxyError::MalformedResponse(_))));
    }

    #[test]
    fn no_input_panics() {
        // Every prefix of a few heads, with every byte flipped once.
        let heads: [&[u8]; 2] = [b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nrest", b"HTTP/1.1 407 No\r\n\r\n"];
        for head in heads {
            for i in 0..head.len() {
                for flip in [0x00, 0x0a, 0x0d, 0x20, 0x3a, 0x80, 0xff] {
                    let mut bytes = head.to_vec();
                    bytes[i] = flip;
                    let _ = parse_connect_response(&bytes, &limits());
                    let _ = parse_connect_response(&bytes[..i], &limits());
                }
            }
        }
    }
}
