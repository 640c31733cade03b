//! The client side: the request it writes and every way a server can answer.

use noio_ws_codec::Rsv;
use noio_ws_handshake::http::{StatusCode, Uri};
use noio_ws_handshake::{
    Accept, ClientHandshake, ClientOutcome, ClientRequest, HandshakeError, Limits, ServerHandshake, uri_port,
};
use noio_ws_registry::ExtensionStack;
use noio_ws_test_support::Xor;

const ACCEPT: &str = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

fn client() -> ClientHandshake {
    ClientRequest::new("ws://example.com:8080/chat?x=1")
        .unwrap()
        .protocol("chat")
        .protocol("echo")
        .origin("http://example.com")
        .unwrap()
        .header("x-custom", "yes")
        .unwrap()
        .nonce(*b"the sample nonce")
        .start()
        .unwrap()
}

fn response(extra: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n{ACCEPT}{extra}\r\n"
    )
}

#[test]
fn the_request_carries_everything_section_4_1_asks() {
    let client = client();
    let text = std::str::from_utf8(client.request_bytes()).unwrap();
    for line in [
        "GET /chat?x=1 HTTP/1.1\r\n",
        "host: example.com:8080\r\n",
        "upgrade: websocket\r\n",
        "connection: Upgrade\r\n",
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        "sec-websocket-version: 13\r\n",
        "sec-websocket-protocol: chat, echo\r\n",
        "origin: http://example.com\r\n",
        "x-custom: yes\r\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in {text}");
    }
    assert!(text.ends_with("\r\n\r\n"));
}

#[test]
fn a_server_of_ours_accepts_a_client_of_ours() {
    let mut client_extensions = ExtensionStack::new();
    client_extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let mut client = ClientRequest::new("ws://localhost/")
        .unwrap()
        .protocol("echo")
        .extensions(client_extensions)
        .start()
        .unwrap();

    let request = ServerHandshake::default().recv(client.request_bytes()).unwrap().unwrap();
    let mut server_extensions = ExtensionStack::new();
    server_extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let accept = Accept { protocol: Some("echo".into()), extensions: server_extensions, ..Accept::default() };
    let (response, server_side) = request.accept(accept).unwrap();

    match client.recv(&response).unwrap() {
        Some(ClientOutcome::Accepted { accepted, .. }) => {
            assert_eq!(accepted.protocol.as_deref(), Some("echo"));
            assert_eq!(accepted.extensions.names().collect::<Vec<_>>(), ["xor"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server_side.extensions.names().collect::<Vec<_>>(), ["xor"]);
}

#[test]
fn a_wrong_accept_key_fails() {
    let bad = response("").replace("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_eq!(client().recv(bad.as_bytes()).unwrap_err(), HandshakeError::AcceptMismatch);
}

#[test]
fn missing_upgrade_tokens_fail() {
    let no_upgrade = response("").replace("Upgrade: WebSocket\r\n", "");
    assert!(matches!(
        client().recv(no_upgrade.as_bytes()),
        Err(HandshakeError::BadHeader { header: "upgrade", .. })
    ));
    let no_connection = response("").replace("Connection: upgrade\r\n", "Connection: close\r\n");
    let err = client().recv(no_connection.as_bytes()).unwrap_err();
    assert!(matches!(err, HandshakeError::BadHeader { header: "connection", .. }));
}

#[test]
fn a_subprotocol_or_extension_not_offered_fails() {
    let err = client().recv(response("Sec-WebSocket-Protocol: json\r\n").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::ProtocolNotOffered("json".into()));
    let err = client().recv(response("Sec-WebSocket-Protocol: chat, echo\r\n").as_bytes()).unwrap_err();
    assert!(matches!(err, HandshakeError::ProtocolNotOffered(_)));
    let err =
        client().recv(response("Sec-WebSocket-Extensions: permessage-deflate\r\n").as_bytes()).unwrap_err();
    assert!(matches!(err, HandshakeError::Negotiation(_)));
}

#[test]
fn a_rejection_comes_back_with_its_body() {
    let mut client = client();
    let head = "HTTP/1.1 403 Forbidden\r\nContent-Length: 11\r\n\r\nnot ";
    assert!(client.recv(head.as_bytes()).unwrap().is_none(), "the body is not complete yet");
    match client.recv(b"allowed and more").unwrap() {
        Some(ClientOutcome::Rejected(rejected)) => {
            assert_eq!(rejected.response.status(), StatusCode::FORBIDDEN);
            assert_eq!(&rejected.body[..], b"not allowed");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rejection_body_of_1_mib_fed_a_byte_per_recv_arrives_whole() {
    const N: usize = 1 << 20;
    let mut client = client_with(Limits { max_body_bytes: N, ..Limits::DEFAULT });
    let head = format!("HTTP/1.1 503 Service Unavailable\r\nContent-Length: {N}\r\n\r\n");
    assert!(client.recv(head.as_bytes()).unwrap().is_none());
    let body: Vec<u8> = (0..N).map(|i| (i % 251) as u8).collect();
    for byte in &body[..N - 1] {
        assert!(client.recv(std::slice::from_ref(byte)).unwrap().is_none());
    }
    match client.recv(&body[N - 1..]).unwrap() {
        Some(ClientOutcome::Rejected(rejected)) => {
            assert_eq!(rejected.response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(rejected.body == body, "the body differs");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rejection_body_is_cut_at_max_body_bytes() {
    let head = "HTTP/1.1 403 Forbidden\r\nContent-Length: 11\r\n\r\n";
    let mut client = client_with(Limits { max_body_bytes: 3, ..Limits::DEFAULT });
    assert!(client.recv(head.as_bytes()).unwrap().is_none());
    assert!(client.recv(b"no").unwrap().is_none());
    match client.recv(b"t allowed").unwrap() {
        Some(ClientOutcome::Rejected(rejected)) => assert_eq!(&rejected.body[..], b"not"),
        other => panic!("{other:?}"),
    }
    let mut client = client_with(Limits { max_body_bytes: 0, ..Limits::DEFAULT });
    match client.recv(head.as_bytes()).unwrap() {
        Some(ClientOutcome::Rejected(rejected)) => assert!(rejected.body.is_empty()),
        other => panic!("{other:?}"),
    }
    // No body limit and the largest Content-Length: nothing is reserved for it.
    let mut client = client_with(Limits { max_body_bytes: usize::MAX, ..Limits::DEFAULT });
    let head = format!("HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\nsome", usize::MAX);
    assert!(client.recv(head.as_bytes()).unwrap().is_none());
    assert!(client.recv(b" more").unwrap().is_none());
}

#[test]
fn a_redirect_is_handed_back() {
    let head = "HTTP/1.1 301 Moved Permanently\r\nLocation: ws://elsewhere/\r\nContent-Length: 0\r\n\r\n";
    match client().recv(head.as_bytes()).unwrap() {
        Some(ClientOutcome::Redirect { response, location }) => {
            assert_eq!((response.status().as_u16(), location.as_str()), (301, "ws://elsewhere/"));
        }
        other => panic!("{other:?}"),
    }
}

fn client_with(limits: Limits) -> ClientHandshake {
    ClientRequest::new("ws://example.com/")
        .unwrap()
        .nonce(*b"the sample nonce")
        .limits(limits)
        .start()
        .unwrap()
}

#[test]
fn a_response_header_limit_past_what_a_header_map_holds_is_an_error_not_a_panic() {
    let fields: String = (0..24_577).map(|i| format!("x-{i}: v\r\n")).collect();
    for max_headers in [24_577, usize::MAX] {
        let limits = Limits { max_headers, max_head_bytes: usize::MAX, ..Limits::DEFAULT };
        let head = format!("HTTP/1.1 101 Switching Protocols\r\n{fields}\r\n");
        let err = client_with(limits).recv(head.as_bytes()).unwrap_err();
        assert_eq!(err, HandshakeError::TooManyHeaders { max: 24_576 });
    }
}

#[test]
fn response_header_limits_of_zero_and_usize_max_work() {
    let limits = Limits { max_headers: usize::MAX, max_head_bytes: usize::MAX, ..Limits::DEFAULT };
    let outcome = client_with(limits).recv(response("").as_bytes()).unwrap();
    assert!(matches!(outcome, Some(ClientOutcome::Accepted { .. })), "{outcome:?}");

    let limits = Limits { max_headers: 0, ..Limits::DEFAULT };
    let err = client_with(limits).recv(response("").as_bytes()).unwrap_err();
    assert_eq!(err, HandshakeError::TooManyHeaders { max: 0 });
    let outcome = client_with(limits).recv(b"HTTP/1.1 403 Forbidden\r\n\r\n").unwrap();
    assert!(matches!(outcome, Some(ClientOutcome::Rejected(_))), "{outcome:?}");
}

#[test]
fn duplicate_accept_protocol_location_or_content_length_fail() {
    let twice =
        |header: &'static str| HandshakeError::BadHeader { header, problem: "appears more than once" };
    // Both copies of the right key: still two answers where one is allowed.
    assert_eq!(client().recv(response(ACCEPT).as_bytes()).unwrap_err(), twice("sec-websocket-accept"));
    let protocol = "Sec-WebSocket-Protocol: chat\r\n";
    let err = client().recv(response(&protocol.repeat(2)).as_bytes()).unwrap_err();
    assert_eq!(err, twice("sec-websocket-protocol"));
    let redirect = "HTTP/1.1 301 Moved Permanently\r\nLocation: ws://a/\r\nLocation: ws://b/\r\n\r\n";
    assert_eq!(client().recv(redirect.as_bytes()).unwrap_err(), twice("location"));
    let rejection = "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nno";
    assert_eq!(client().recv(rejection.as_bytes()).unwrap_err(), twice("content-length"));
}

#[test]
fn leading_empty_lines_before_the_status_line_are_ignored() {
    for preamble in ["\r\n", "\n", "\r\n\n\r\n"] {
        let bytes = format!("{preamble}{}frame", response("Sec-WebSocket-Protocol: chat\r\n"));
        match client().recv(bytes.as_bytes()).unwrap() {
            Some(ClientOutcome::Accepted { accepted, .. }) => {
                assert_eq!(accepted.protocol.as_deref(), Some("chat"));
                assert_eq!(&accepted.rest[..], b"frame");
            }
            other => panic!("{preamble:?}: {other:?}"),
        }
    }
}

#[test]
fn bytes_after_the_101_belong_to_the_connection() {
    let bytes = [response("").as_bytes(), b"\x81\x02hi"].concat();
    match client().recv(&bytes).unwrap() {
        Some(ClientOutcome::Accepted { accepted, .. }) => assert_eq!(&accepted.rest[..], b"\x81\x02hi"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unparsable_content_length_is_an_error_not_an_empty_body() {
    // RFC 9112 section 6.3: without a valid length the framing is unknown,
    // and a client must treat the response as an unrecoverable error.
    for bad in ["abc", "-1", "1,2", "0x10", "", "1 2"] {
        let head = format!("HTTP/1.1 403 Forbidden\r\nContent-Length: {bad}\r\n\r\nbody");
        let mut client = client_with(Limits::DEFAULT);
        assert_eq!(
            client.recv(head.as_bytes()).unwrap_err(),
            HandshakeError::BadHeader { header: "content-length", problem: "not a number" },
            "{bad:?}"
        );
    }
    // A length past what usize holds is a valid length, read up to the limit.
    let head = "HTTP/1.1 403 Forbidden\r\nContent-Length: 99999999999999999999999999\r\n\r\nbody";
    let mut client = client_with(Limits { max_body_bytes: 4, ..Limits::DEFAULT });
    match client.recv(head.as_bytes()).unwrap() {
        Some(ClientOutcome::Rejected(rejected)) => assert_eq!(&rejected.body[..], b"body"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_port_out_of_range_is_refused_not_replaced_by_the_default() {
    // `Uri` parses `:99999` but reports no port: the Host header said
    // `example.com`, the default port's. Found by review.
    let err = ClientRequest::new("ws://example.com:99999/").and_then(ClientRequest::start).unwrap_err();
    assert!(err.to_string().contains("99999"), "{err}");
    let uri: Uri = "ws://example.com:/".parse().unwrap();
    assert_eq!(uri_port(&uri), Ok(None));
    let uri: Uri = "ws://[::1]:8080/".parse().unwrap();
    assert_eq!(uri_port(&uri), Ok(Some(8080)));
}
