//! The server side against RFC 6455 section 4.2.1: what it accepts, what it
//! refuses with which status, its limits, and the bytes after the head.

use noio_ws_codec::Rsv;
use noio_ws_handshake::http::{HeaderMap, StatusCode};
use noio_ws_handshake::http::{Method, Request, Version};
use noio_ws_handshake::{
    Accept, HandshakeError, IncomingRequest, Limits, ServerHandshake, error_head, error_response,
};
use noio_ws_registry::ExtensionStack;
use noio_ws_test_support::Xor;

const GOOD: &str = "GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

fn request(extra: &str) -> IncomingRequest {
    let head = format!("{GOOD}{extra}\r\n");
    ServerHandshake::default().recv(head.as_bytes()).unwrap().expect("a whole head")
}

fn refused(head: &str) -> HandshakeError {
    let mut server = ServerHandshake::default();
    let request = server.recv(head.as_bytes()).unwrap().expect("a whole head");
    request.accept(Accept::default()).unwrap_err()
}

#[test]
fn accepts_a_valid_upgrade_with_the_rfc_accept_key() {
    let req = request("");
    assert!(req.is_upgrade());
    assert_eq!(req.request().uri().path_and_query().unwrap().as_str(), "/chat?room=1");
    let (response, accepted) = req.accept(Accept::default()).unwrap();
    let text = std::str::from_utf8(&response).unwrap();
    assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{text}");
    assert!(text.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert!(text.ends_with("\r\n\r\n"));
    assert!(accepted.rest.is_empty() && accepted.protocol.is_none());
}

#[test]
fn picks_an_offered_subprotocol_and_refuses_others() {
    let req = request("Sec-WebSocket-Protocol: chat, echo\r\nSec-WebSocket-Protocol: json\r\n");
    assert_eq!(req.protocols().unwrap(), ["chat", "echo", "json"]);
    let (response, accepted) =
        req.accept(Accept { protocol: Some("echo".into()), ..Accept::default() }).unwrap();
    assert!(std::str::from_utf8(&response).unwrap().contains("sec-websocket-protocol: echo\r\n"));
    assert_eq!(accepted.protocol.as_deref(), Some("echo"));
    let err = request("").accept(Accept { protocol: Some("echo".into()), ..Accept::default() }).unwrap_err();
    assert_eq!(err, HandshakeError::ProtocolNotOffered("echo".into()));
}

#[test]
fn a_malformed_subprotocol_header_is_refused_even_when_none_is_chosen() {
    // Found by the async echo server, which chose none and answered 101.
    let err = request("Sec-WebSocket-Protocol: echo, chat/2\r\n").accept(Accept::default()).unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("sec-websocket-protocol"), "{err}");
}

#[test]
fn negotiates_extensions_through_the_stack() {
    let mut extensions = ExtensionStack::new();
    extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let req = request("Sec-WebSocket-Extensions: xor; key=9, other\r\n");
    let (response, accepted) = req.accept(Accept { extensions, ..Accept::default() }).unwrap();
    assert!(std::str::from_utf8(&response).unwrap().contains("sec-websocket-extensions: xor; key=9\r\n"));
    assert_eq!(accepted.extensions.names().collect::<Vec<_>>(), ["xor"]);
}

#[test]
fn refuses_what_section_4_2_1_forbids_with_its_status() {
    let cases = [
        (GOOD.replace("GET", "POST"), StatusCode::METHOD_NOT_ALLOWED),
        (GOOD.replace("HTTP/1.1", "HTTP/1.0"), StatusCode::HTTP_VERSION_NOT_SUPPORTED),
        (GOOD.replace("Host: example.com\r\n", ""), StatusCode::BAD_REQUEST),
        (GOOD.replace("Upgrade: websocket\r\n", "Upgrade: h2c\r\n"), StatusCode::BAD_REQUEST),
        (GOOD.replace("keep-alive, Upgrade", "keep-alive"), StatusCode::BAD_REQUEST),
        (GOOD.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), StatusCode::BAD_REQUEST),
        (GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="), StatusCode::BAD_REQUEST),
        (GOOD.replace("Version: 13", "Version: 8"), StatusCode::UPGRADE_REQUIRED),
    ];
    for (head, status) in cases {
        assert_eq!(refused(&format!("{head}\r\n")).status(), status, "{head}");
    }
}

#[test]
fn a_version_mismatch_is_answered_with_426_and_version_13() {
    let err = refused(&format!("{}\r\n", GOOD.replace("Version: 13", "Version: 8")));
    let response = error_response(&err);
    let text = std::str::from_utf8(&response).unwrap();
    assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    assert!(text.contains("sec-websocket-version: 13\r\n"));
}

#[test]
fn a_426_carries_upgrade_websocket() {
    // RFC 9110 section 15.5.22: "The server MUST send an Upgrade header
    // field in a 426 response to indicate the required protocol(s)".
    let head = error_head(&HandshakeError::UnsupportedVersion);
    assert_eq!(head.headers()["upgrade"], "websocket");
    let bytes = error_response(&HandshakeError::UnsupportedVersion);
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains("upgrade: websocket\r\n"), "{text}");
    assert!(!error_head(&HandshakeError::NotGet("PUT".into())).headers().contains_key("upgrade"));
}

/// The request of [`GOOD`] as an HTTP server hands it over, already parsed.
fn parsed(edit: impl FnOnce(&mut Request<()>)) -> IncomingRequest {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri("/chat?room=1")
        .header("host", "example.com")
        .header("upgrade", "websocket")
        .header("connection", "keep-alive, Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat, echo")
        .body(())
        .unwrap();
    edit(&mut request);
    IncomingRequest::from_request(request)
}

#[test]
fn a_parsed_request_is_accepted_with_the_same_head_as_its_bytes() {
    let head = format!("{GOOD}Sec-WebSocket-Protocol: chat, echo\r\n\r\n");
    let from_bytes = ServerHandshake::default().recv(head.as_bytes()).unwrap().unwrap();
    let accept = || Accept { protocol: Some("echo".into()), ..Accept::default() };
    let (bytes, _) = from_bytes.accept(accept()).unwrap();
    let (response, accepted) = parsed(|_| {}).accept_head(accept()).unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(response.headers()["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(response.headers()["sec-websocket-protocol"], "echo");
    assert_eq!((accepted.protocol.as_deref(), accepted.rest.len()), (Some("echo"), 0));
    // The bytes `accept` writes are this head, serialised.
    let mut expected = String::from("HTTP/1.1 101 Switching Protocols\r\n");
    for (name, value) in response.headers() {
        expected += &format!("{name}: {}\r\n", value.to_str().unwrap());
    }
    assert_eq!(std::str::from_utf8(&bytes).unwrap(), expected + "\r\n");
}

#[test]
fn a_parsed_request_is_refused_as_its_bytes_would_be() {
    let post = parsed(|r| *r.method_mut() = Method::POST).accept_head(Accept::default()).unwrap_err();
    assert_eq!(post, HandshakeError::NotGet("POST".into()));
    let old = parsed(|r| *r.version_mut() = Version::HTTP_10).accept_head(Accept::default()).unwrap_err();
    assert_eq!(old, HandshakeError::HttpVersion);
    let no_key = parsed(|r| {
        r.headers_mut().remove("sec-websocket-key");
    });
    assert_eq!(no_key.validate().unwrap_err().status(), StatusCode::BAD_REQUEST);
    let two_hosts = parsed(|r| {
        r.headers_mut().append("host", "other.example".parse().unwrap());
    });
    assert_eq!(two_hosts.validate().unwrap_err().status(), StatusCode::BAD_REQUEST);
    let not_offered = Accept { protocol: Some("json".into()), ..Accept::default() };
    assert_eq!(
        parsed(|_| {}).accept_head(not_offered).unwrap_err(),
        HandshakeError::ProtocolNotOffered("json".into())
    );
}

#[test]
fn the_error_head_is_the_error_response_without_its_body() {
    let head = error_head(&HandshakeError::UnsupportedVersion);
    assert_eq!(head.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(head.headers()["sec-websocket-version"], "13");
    assert_eq!(head.headers()["connection"], "close");
    let head = error_head(&HandshakeError::NotGet("PUT".into()));
    assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(!head.headers().contains_key("sec-websocket-version"));
    let bytes = error_response(&HandshakeError::NotGet("PUT".into()));
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\n"), "{text}");
    assert!(text.ends_with("the upgrade request must use GET, not PUT"), "{text}");
}

#[test]
fn limits_refuse_oversized_heads() {
    let mut server = ServerHandshake::default();
    let huge = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n", "a".repeat(64 << 10));
    assert_eq!(
        server.recv(huge.as_bytes()).unwrap_err().status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );

    let limits = Limits { max_headers: 4, ..Limits::DEFAULT };
    let err = ServerHandshake::new(limits).recv(format!("{GOOD}\r\n").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::TooManyHeaders { max: 4 });

    let limits = Limits { max_target_len: 8, ..Limits::DEFAULT };
    let err = ServerHandshake::new(limits).recv(format!("{GOOD}\r\n").as_bytes()).unwrap_err();
    assert_eq!(err.status(), StatusCode::URI_TOO_LONG);
}

/// A request head with `count` header fields of distinct names.
fn with_fields(count: usize) -> String {
    let fields: String = (0..count).map(|i| format!("x-{i}: v\r\n")).collect();
    format!("GET / HTTP/1.1\r\n{fields}\r\n")
}

#[test]
fn a_header_limit_past_what_a_header_map_holds_is_431_not_a_panic() {
    for max_headers in [24_577, usize::MAX] {
        let limits = Limits { max_headers, max_head_bytes: usize::MAX, ..Limits::DEFAULT };
        let err = ServerHandshake::new(limits).recv(with_fields(24_577).as_bytes()).unwrap_err();
        assert_eq!(err, HandshakeError::TooManyHeaders { max: 24_576 });
        assert_eq!(err.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        let request = ServerHandshake::new(limits).recv(with_fields(24_576).as_bytes()).unwrap().unwrap();
        assert_eq!(request.request().headers().len(), 24_576);
    }
}

#[test]
fn header_limits_of_zero_and_usize_max_work() {
    // usize::MAX once meant a header array of usize::MAX slots.
    let limits = Limits { max_headers: usize::MAX, max_head_bytes: usize::MAX, ..Limits::DEFAULT };
    let request = ServerHandshake::new(limits).recv(format!("{GOOD}\r\n").as_bytes()).unwrap().unwrap();
    assert!(request.accept(Accept::default()).is_ok());

    let limits = Limits { max_headers: 0, ..Limits::DEFAULT };
    let err = ServerHandshake::new(limits).recv(format!("{GOOD}\r\n").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::TooManyHeaders { max: 0 });
    assert_eq!(err.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let request = ServerHandshake::new(limits).recv(b"GET / HTTP/1.1\r\n\r\n").unwrap().unwrap();
    assert!(request.request().headers().is_empty());
}

#[test]
fn bytes_after_the_head_belong_to_the_connection() {
    let mut server = ServerHandshake::default();
    let head = format!("{GOOD}\r\n");
    let (first, second) = head.as_bytes().split_at(30);
    assert!(server.recv(first).unwrap().is_none());
    let request = server.recv(&[second, b"\x81\x85frame"].concat()).unwrap().unwrap();
    let (_, accepted) = request.accept(Accept::default()).unwrap();
    assert_eq!(&accepted.rest[..], b"\x81\x85frame");
}

#[test]
fn a_server_handshake_reused_after_a_request_reads_the_next_one() {
    let mut server = ServerHandshake::default();
    let two = "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n";
    let first = server.recv(two.as_bytes()).unwrap().unwrap();
    assert_eq!(first.request().uri().path(), "/one");
    let second = server.recv(first.rest()).unwrap().unwrap();
    assert_eq!(second.request().uri().path(), "/two");
    assert!(second.rest().is_empty());
}

#[test]
fn a_server_handshake_reused_after_a_request_fed_bare_lfs_does_not_panic() {
    // The line-end counter (a u8) was left at 2 and overflowed 254 LFs later.
    // Now the LFs are empty lines before the next request line: skipped.
    let mut server = ServerHandshake::default();
    server.recv(format!("{GOOD}\r\n").as_bytes()).unwrap().unwrap();
    assert!(server.recv(&[b'\n'; 300]).unwrap().is_none());
    let next = server.recv(format!("{GOOD}\r\n").as_bytes()).unwrap().expect("the next head");
    assert!(next.accept(Accept::default()).is_ok());
    // However many there are, they count against max_head_bytes.
    let err = server.recv(&[b'\n'; 20_000]).unwrap_err();
    assert_eq!(err, HandshakeError::HeadTooLarge { max: Limits::DEFAULT.max_head_bytes });
    assert_eq!(err.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}

#[test]
fn two_host_headers_are_400() {
    let head = format!("{GOOD}Host: other.example\r\n\r\n");
    let err = ServerHandshake::default().recv(head.as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::BadHeader { header: "host", problem: "appears more than once" });
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    // Plain HTTP too: RFC 9112 section 3.2 says "any request message".
    let err = ServerHandshake::default().recv(b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n").unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn duplicate_sec_websocket_key_or_version_is_400() {
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let err = refused(&format!("{GOOD}{key}\r\n"));
    assert_eq!(
        err,
        HandshakeError::BadHeader { header: "sec-websocket-key", problem: "appears more than once" }
    );
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    let other_key = "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n";
    assert_eq!(refused(&format!("{GOOD}{other_key}\r\n")).status(), StatusCode::BAD_REQUEST);

    // Even "13" twice: a 426 naming version 13 would be no answer.
    let err = refused(&format!("{GOOD}Sec-WebSocket-Version: 13\r\n\r\n"));
    assert_eq!(
        err,
        HandshakeError::BadHeader { header: "sec-websocket-version", problem: "appears more than once" }
    );
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn leading_empty_lines_before_the_request_line_are_ignored() {
    for preamble in ["\r\n", "\n", "\r\n\r\n", "\n\n\n", "\r\n\n\r\n"] {
        let head = format!("{preamble}{GOOD}\r\nframe");
        let request = ServerHandshake::default().recv(head.as_bytes()).unwrap().expect("a whole head");
        assert_eq!(request.request().uri().path(), "/chat", "{preamble:?}");
        let (_, accepted) = request.accept(Accept::default()).unwrap();
        assert_eq!(&accepted.rest[..], b"frame");

        // One byte at a time: the head ends at the blank line, not before.
        let mut server = ServerHandshake::default();
        let end = head.as_bytes().iter().position(|b| server.recv(&[*b]).unwrap().is_some());
        assert_eq!(end, Some(head.len() - 6), "{preamble:?}");
    }
}

#[test]
fn a_bare_cr_before_the_request_line_is_400() {
    let err = ServerHandshake::default().recv(format!("\r{GOOD}\r\n").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::Malformed("request head"));
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn leading_empty_lines_count_against_max_head_bytes() {
    let head = format!("{GOOD}\r\n");
    let limits = Limits { max_head_bytes: head.len() + 2, ..Limits::DEFAULT };
    assert!(ServerHandshake::new(limits).recv(format!("\r\n{head}").as_bytes()).unwrap().is_some());
    let err = ServerHandshake::new(limits).recv(format!("\r\n\n{head}").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::HeadTooLarge { max: head.len() + 2 });
    assert_eq!(err.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}

#[test]
fn plain_http_can_be_answered_too() {
    let mut server = ServerHandshake::default();
    let request = server.recv(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap().unwrap();
    assert!(!request.is_upgrade());
    let response = request.respond(StatusCode::OK, &HeaderMap::new(), b"<p>hi</p>");
    assert_eq!(&response[..], b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n<p>hi</p>");
}
