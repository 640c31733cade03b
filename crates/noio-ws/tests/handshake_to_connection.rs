//! From the first bytes to the first message: a client and a server handshake
//! in memory, negotiate an extension and a subprotocol, and the frames that
//! came with the handshake reach the connection. Custom opcodes, which no
//! handshake negotiates, are registered on each connection.

use noio_ws::{
    Accept, ClientOutcome, ClientRequest, Config, Event, ExtensionStack, Frame, Role, Rsv, ServerHandshake,
    from_handshake,
};
use noio_ws_test_support::{Xor, client_frame, drain, sent};

fn extensions() -> ExtensionStack {
    let mut extensions = ExtensionStack::new();
    extensions.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    extensions
}

#[test]
fn handshake_then_messages_both_ways() {
    let mut client_hs = ClientRequest::new("ws://localhost:9001/")
        .unwrap()
        .protocol("echo")
        .extensions(extensions())
        .start()
        .unwrap();

    // The server reads the request and, in the same read, the client's first
    // frame: the handshake hands those bytes on to the connection.
    let request = [&client_hs.request_bytes()[..], &client_frame(1, b"early", true)].concat();

    let incoming = ServerHandshake::default().recv(&request).unwrap().unwrap();
    let accept = Accept { protocol: Some("echo".into()), extensions: extensions(), ..Accept::default() };
    let (response, accepted) = incoming.accept(accept).unwrap();
    assert_eq!(accepted.protocol.as_deref(), Some("echo"));
    let mut server = from_handshake(accepted, Config::default());
    let latin1 = server.register_data(3, "latin-1").unwrap();
    assert_eq!(server.role(), Role::Server);
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    assert!(matches!(&events[..], [Event::Message(m)] if m.as_text() == Some("early")));

    // The client reads the 101 and the server's first frame in one read.
    let greeting = sent(&mut server, Frame::new(latin1, "caf\u{e9}")).unwrap();
    let Some(ClientOutcome::Accepted { accepted, .. }) =
        client_hs.recv(&[&response[..], &greeting].concat()).unwrap()
    else {
        panic!("not accepted")
    };
    let mut client = from_handshake(accepted, Config::default());
    // Registered before the first event: the greeting already buffered is
    // judged only now.
    client.register_data(3, "latin-1").unwrap();
    let (events, error) = drain(&mut client);
    assert_eq!(error, None);
    match &events[..] {
        [Event::Message(m)] => assert_eq!(client.type_name(m.opcode), "latin-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.registry().extensions.names().collect::<Vec<_>>(), ["xor"]);
}

#[test]
fn messages_pass_the_negotiated_extension_after_the_handshake() {
    let mut client_hs =
        ClientRequest::new("ws://localhost/").unwrap().extensions(extensions()).start().unwrap();
    let incoming = ServerHandshake::default().recv(client_hs.request_bytes()).unwrap().unwrap();
    let (response, accepted) =
        incoming.accept(Accept { extensions: extensions(), ..Accept::default() }).unwrap();
    let mut server = from_handshake(accepted, Config::default());
    let Some(ClientOutcome::Accepted { accepted, .. }) = client_hs.recv(&response).unwrap() else { panic!() };
    let mut client = from_handshake(accepted, Config::default());

    let wire = sent(&mut client, Frame::text("through xor")).unwrap();
    assert_eq!(wire[0] & 0x70, 0x10, "RSV3 set by the extension");
    server.recv(&wire);
    let (events, _) = drain(&mut server);
    assert!(
        matches!(&events[..], [Event::Message(m)] if m.as_text() == Some("through xor") && m.rsv == Rsv::RSV3)
    );
}
