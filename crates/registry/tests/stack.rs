//! The extension stack: reserved-bit ownership and negotiation in both roles,
//! with the test-support crate's keyed XOR extension.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};
use noio_ws_registry::{
    ExtensionOffer, ExtensionStack, NegotiationError, OpcodeRegistry, Progress, Registry, RegistryError,
};
use noio_ws_test_support::Xor;

#[test]
fn each_reserved_bit_has_one_owner() {
    let mut stack = ExtensionStack::new();
    stack.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let err = stack.push(Xor::new("other", Rsv::RSV3 | Rsv::RSV2)).unwrap_err();
    assert!(matches!(err, RegistryError::RsvConflict { holder, .. } if holder == "xor"));
    assert_eq!(stack.push(Xor::new("xor", Rsv::RSV2)), Err(RegistryError::DuplicateExtension("xor".into())));

    assert_eq!(stack.claimed_rsv(), Rsv::RSV3);

    // The Python noio_ws example: the application sets RSV1 and compresses by itself.
    let mut registry = Registry::new();
    registry.extensions = stack;
    registry.claim_rsv(Rsv::RSV1).unwrap();
    assert!(
        matches!(registry.claim_rsv(Rsv::RSV3), Err(RegistryError::RsvConflict { holder, .. }) if holder == "xor")
    );
    let twice = registry.claim_rsv(Rsv::RSV1);
    assert!(matches!(twice, Err(RegistryError::RsvConflict { holder, .. }) if holder == "the application"));
    assert_eq!(registry.app_rsv(), Rsv::RSV1);
}

#[test]
fn a_registry_from_parts_refuses_bits_an_extension_holds() {
    let mut stack = ExtensionStack::new();
    stack.push_negotiated(Xor::new("xor", Rsv::RSV3)).unwrap();
    let opcodes = OpcodeRegistry::from_names([(3, "latin-1")]).unwrap();
    let refused = Registry::from_parts(opcodes.clone(), stack, Rsv::RSV3);
    assert!(matches!(refused, Err(RegistryError::RsvConflict { .. })));
    let registry = Registry::from_parts(opcodes, ExtensionStack::new(), Rsv::RSV1 | Rsv::RSV2).unwrap();
    assert_eq!(registry.app_rsv(), Rsv::RSV1 | Rsv::RSV2);
    assert_eq!(registry.opcodes.by_name("latin-1"), OpCode::new(3));
}

#[test]
fn allowed_bits_follow_frame_position() {
    let mut registry = Registry::new();
    registry.extensions.push_negotiated(Xor::new("xor", Rsv::RSV3)).unwrap();
    registry.claim_rsv(Rsv::RSV1).unwrap();
    assert_eq!(registry.allowed_rsv(OpCode::TEXT, true), Rsv::RSV1 | Rsv::RSV3);
    assert_eq!(registry.allowed_rsv(OpCode::CONTINUATION, false), Rsv::RSV1);
    assert_eq!(registry.allowed_rsv(OpCode::PING, true), Rsv::RSV1);
    assert_eq!(registry.extensions.allowed_rsv(OpCode::TEXT, true), Rsv::RSV3, "the stack's own");
}

#[test]
fn client_and_server_agree() {
    let mut client = ExtensionStack::new();
    client.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    client.push(Xor::new("unwanted", Rsv::RSV2)).unwrap();
    let offers = client.client_offers();
    assert_eq!(offers.len(), 4);

    let mut server = ExtensionStack::new();
    server.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    server.push(Xor::new("server-only", Rsv::RSV1)).unwrap();
    let responses = server.server_negotiate(&offers).unwrap();
    assert_eq!(responses, [ExtensionOffer::new("xor").with_param("key", Some("7"))]);
    assert_eq!(server.names().collect::<Vec<_>>(), ["xor"]);

    client.client_negotiate(&responses).unwrap();
    assert_eq!(client.names().collect::<Vec<_>>(), ["xor"]);

    let mut wire = BytesMut::new();
    let ext = client.iter_mut().next().unwrap();
    assert_eq!(ext.begin_encode(OpCode::TEXT, Some(2)).unwrap(), Some(Rsv::RSV3));
    ext.encode(b"hi", true, &mut wire).unwrap();
    let mut plain = BytesMut::new();
    let ext = server.iter_mut().next().unwrap();
    let header = FrameHeader::new(OpCode::TEXT, 2).with_rsv(Rsv::RSV3);
    assert!(ext.begin_decode(&header).unwrap());
    let progress = ext.decode(&wire, true, &mut plain, 1).unwrap();
    assert_eq!(progress, Progress { consumed: 1, produced: 1, drained: false });
    ext.decode(&wire[1..], true, &mut plain, 16).unwrap();
    assert_eq!(&plain[..], b"hi");
}

#[test]
fn client_refuses_what_it_did_not_offer() {
    let mut client = ExtensionStack::new();
    client.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let not_offered = [ExtensionOffer::new("zip")];
    assert_eq!(client.client_negotiate(&not_offered), Err(NegotiationError::NotOffered("zip".into())));

    let mut client = ExtensionStack::new();
    client.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let twice = [ExtensionOffer::new("xor").with_param("key", Some("1")), ExtensionOffer::new("xor")];
    assert_eq!(client.client_negotiate(&twice), Err(NegotiationError::AcceptedTwice("xor".into())));

    let mut client = ExtensionStack::new();
    client.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let bad = [ExtensionOffer::new("xor")];
    assert_eq!(client.client_negotiate(&bad), Err(NegotiationError::refused("xor", "no key")));
}

#[test]
fn server_declines_cleanly() {
    let mut server = ExtensionStack::new();
    server.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let responses = server.server_negotiate(&[ExtensionOffer::new("xor")]).unwrap();
    assert!(responses.is_empty());
    assert!(server.is_empty(), "a declined extension leaves the stack");
}

#[test]
fn an_extension_pushed_but_not_negotiated_owns_no_bit_on_the_wire() {
    let mut stack = ExtensionStack::new();
    stack.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    // What the connection looks at: nothing runs, no bit is allowed.
    assert_eq!(stack.allowed_rsv(OpCode::TEXT, true), Rsv::NONE);
    assert!(stack.is_empty());
    assert_eq!(stack.len(), 0);
    assert_eq!(stack.iter_mut().count(), 0);
    assert_eq!(stack.names().count(), 0);
    assert_eq!(stack.candidate_names().collect::<Vec<_>>(), ["xor"]);
    // Yet the bit and the name stay reserved against a second owner.
    assert_eq!(stack.claimed_rsv(), Rsv::RSV3);
    let mut registry = Registry::new();
    registry.extensions = stack;
    assert!(matches!(registry.claim_rsv(Rsv::RSV3), Err(RegistryError::RsvConflict { .. })));
    let stack = &mut registry.extensions;
    assert!(matches!(
        stack.push_negotiated(Xor::new("other", Rsv::RSV3)),
        Err(RegistryError::RsvConflict { .. })
    ));
    assert_eq!(
        stack.push_negotiated(Xor::new("xor", Rsv::RSV2)),
        Err(RegistryError::DuplicateExtension("xor".into()))
    );
}

#[test]
fn negotiation_makes_a_candidate_own_its_bit() {
    let mut client = ExtensionStack::new();
    client.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let mut server = ExtensionStack::new();
    server.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let responses = server.server_negotiate(&client.client_offers()).unwrap();
    client.client_negotiate(&responses).unwrap();
    for stack in [&client, &server] {
        assert_eq!(stack.allowed_rsv(OpCode::TEXT, true), Rsv::RSV3);
        assert_eq!((stack.len(), stack.candidate_names().count()), (1, 0));
    }
}

#[test]
fn a_pre_agreed_extension_is_kept_and_not_offered_again() {
    let mut stack = ExtensionStack::new();
    stack.push_negotiated(Xor::new("agreed", Rsv::RSV2)).unwrap();
    stack.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    assert!(stack.client_offers().iter().all(|o| o.name == "xor"), "only the candidate is offered");
    assert_eq!(stack.allowed_rsv(OpCode::TEXT, true), Rsv::RSV2);
    // The server accepted nothing: the candidate goes, the agreed one stays.
    stack.client_negotiate(&[]).unwrap();
    assert_eq!(stack.names().collect::<Vec<_>>(), ["agreed"]);
    assert_eq!(stack.allowed_rsv(OpCode::TEXT, true), Rsv::RSV2);
    // And a server negotiating puts what it accepts after it.
    let mut server = ExtensionStack::new();
    server.push_negotiated(Xor::new("agreed", Rsv::RSV2)).unwrap();
    server.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    let offers = [ExtensionOffer::new("xor").with_param("key", Some("7"))];
    assert_eq!(server.server_negotiate(&offers).unwrap().len(), 1);
    assert_eq!(server.names().collect::<Vec<_>>(), ["agreed", "xor"]);
}

#[test]
fn an_extension_pushed_after_the_application_claimed_its_bit_is_refused() {
    let mut registry = Registry::new();
    registry.claim_rsv(Rsv::RSV1).unwrap();
    let late = registry.extensions.push_negotiated(Xor::new("late", Rsv::RSV1));
    assert!(matches!(late, Err(RegistryError::RsvConflict { holder, .. }) if holder == "the application"));
    assert!(matches!(
        registry.extensions.push(Xor::new("later", Rsv::RSV1)),
        Err(RegistryError::RsvConflict { .. })
    ));
    registry.extensions.push_negotiated(Xor::new("other", Rsv::RSV2)).unwrap();
    assert_eq!(registry.app_rsv(), Rsv::RSV1);
    assert_eq!(registry.allowed_rsv(OpCode::TEXT, true), Rsv::RSV1 | Rsv::RSV2);
}

#[test]
fn a_stack_swapped_in_after_a_claim_keeps_each_bit_to_one_owner() {
    let mut registry = Registry::new();
    registry.claim_rsv(Rsv::RSV1 | Rsv::RSV3).unwrap();
    let mut negotiated = ExtensionStack::new();
    negotiated.push_negotiated(Xor::new("xor", Rsv::RSV1)).unwrap();
    registry.extensions = negotiated;
    // The extension negotiated RSV1 with the peer: it is the extension's now.
    assert_eq!(registry.app_rsv(), Rsv::RSV3);
    assert_eq!(registry.allowed_rsv(OpCode::CONTINUATION, false), Rsv::RSV3);
}
