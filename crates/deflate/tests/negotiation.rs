//! Negotiation in both roles (RFC 7692 sections 5 and 7): parameters,
//! several offers, fallbacks, declining, and refusing bad responses.

use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::{Extension, ExtensionOffer, ExtensionStack, NegotiationError, parse_extensions};

fn offers(header: &str) -> Vec<ExtensionOffer> {
    parse_extensions(header).unwrap()
}

fn server_answer(config: DeflateConfig, header: &str) -> Option<String> {
    let mut deflate = PerMessageDeflate::new(config);
    deflate.server_accept(&offers(header)).unwrap().map(|r| r.to_string())
}

#[test]
fn a_plain_offer_gets_a_plain_answer_at_the_full_window() {
    assert_eq!(
        server_answer(DeflateConfig::FULL_WINDOW, "permessage-deflate").as_deref(),
        Some("permessage-deflate")
    );
}

#[test]
fn the_server_honours_every_parameter() {
    let header = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12";
    let answer = server_answer(DeflateConfig::default(), header).unwrap();
    assert_eq!(
        answer,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"
    );
}

#[test]
fn the_server_limits_the_client_only_when_allowed() {
    let config =
        DeflateConfig { client_max_window_bits: 9, server_max_window_bits: 11, ..DeflateConfig::default() };
    let answer = server_answer(config, "permessage-deflate; client_max_window_bits").unwrap();
    assert_eq!(answer, "permessage-deflate; server_max_window_bits=11; client_max_window_bits=9");
    // Without client_max_window_bits in the offer, the response must not carry it.
    let answer = server_answer(config, "permessage-deflate").unwrap();
    assert_eq!(answer, "permessage-deflate; server_max_window_bits=11");
}

#[test]
fn bad_offers_are_declined_and_the_next_is_tried() {
    for bad in [
        "permessage-deflate; unknown",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    ] {
        assert_eq!(server_answer(DeflateConfig::default(), bad), None, "{bad}");
        let with_fallback = format!("{bad}, permessage-deflate; client_max_window_bits");
        assert_eq!(
            server_answer(DeflateConfig::FULL_WINDOW, &with_fallback).as_deref(),
            Some("permessage-deflate")
        );
    }
}

#[test]
fn the_client_offers_its_wishes_and_a_fallback() {
    let config = DeflateConfig {
        client_no_context_takeover: true,
        server_max_window_bits: 10,
        ..DeflateConfig::FULL_WINDOW
    };
    let offered: Vec<String> =
        PerMessageDeflate::new(config).client_offers().iter().map(|o| o.to_string()).collect();
    assert_eq!(
        offered,
        [
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits",
            "permessage-deflate; client_max_window_bits"
        ]
    );
    let plain: Vec<String> = PerMessageDeflate::new(DeflateConfig::FULL_WINDOW)
        .client_offers()
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(plain, ["permessage-deflate; client_max_window_bits"]);
}

#[test]
fn the_client_refuses_bad_responses() {
    for bad in [
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; mystery",
        "permessage-deflate; client_max_window_bits=10; client_max_window_bits=10",
    ] {
        let mut deflate = PerMessageDeflate::new(DeflateConfig::default());
        let err = deflate.client_accept(&offers(bad)[0]).unwrap_err();
        assert!(matches!(err, NegotiationError::Refused { .. }), "{bad}: {err:?}");
    }
    let mut deflate = PerMessageDeflate::new(DeflateConfig::default());
    deflate
        .client_accept(&offers("permessage-deflate; server_no_context_takeover; client_max_window_bits=9")[0])
        .unwrap();
}

#[test]
fn an_offer_of_an_8_bit_server_window_is_accepted_with_8() {
    // Kept: every match within 250 bytes (see tests/window_8.rs).
    let eight = "permessage-deflate; server_max_window_bits=8";
    assert_eq!(server_answer(DeflateConfig::default(), eight).as_deref(), Some(eight));
    // The first offer is taken, not passed over for the next.
    let with_fallback =
        format!("{eight}; client_max_window_bits, permessage-deflate; server_max_window_bits=9");
    assert_eq!(server_answer(DeflateConfig::FULL_WINDOW, &with_fallback).as_deref(), Some(eight));
}

#[test]
fn a_server_configured_for_8_bit_windows_answers_8() {
    let config =
        DeflateConfig { server_max_window_bits: 8, client_max_window_bits: 8, ..DeflateConfig::default() };
    assert_eq!(
        server_answer(config, "permessage-deflate; client_max_window_bits").as_deref(),
        Some("permessage-deflate; server_max_window_bits=8; client_max_window_bits=8")
    );
    // A client that declares 8 for itself is confirmed.
    assert_eq!(
        server_answer(DeflateConfig::FULL_WINDOW, "permessage-deflate; client_max_window_bits=8").as_deref(),
        Some("permessage-deflate; client_max_window_bits=8")
    );
}

#[test]
fn the_client_accepts_an_8_bit_client_window() {
    let response = &offers("permessage-deflate; client_max_window_bits=8")[0];
    PerMessageDeflate::new(DeflateConfig::default()).client_accept(response).unwrap();
    // Through the stack, as the handshake runs it.
    let mut stack = ExtensionStack::new();
    stack.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    stack.client_negotiate(std::slice::from_ref(response)).unwrap();
    // And an 8-bit server window, both at once.
    let response = &offers("permessage-deflate; server_max_window_bits=8; client_max_window_bits=8")[0];
    PerMessageDeflate::new(DeflateConfig::default()).client_accept(response).unwrap();
}

#[test]
fn the_client_offers_8_bit_windows_as_configured() {
    let config =
        DeflateConfig { server_max_window_bits: 8, client_max_window_bits: 8, ..DeflateConfig::default() };
    let offered: Vec<String> =
        PerMessageDeflate::new(config).client_offers().iter().map(|o| o.to_string()).collect();
    assert_eq!(
        offered,
        [
            "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
            "permessage-deflate; client_max_window_bits"
        ]
    );
    // And two such ends agree on 8 both ways.
    let answer = server_answer(config, &offered.join(", ")).unwrap();
    assert_eq!(answer, "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8");
    PerMessageDeflate::new(config).client_accept(&offers(&answer)[0]).unwrap();
}

#[test]
fn a_default_client_offers_8_kib_windows_and_a_plain_fallback() {
    let offered: Vec<String> = PerMessageDeflate::new(DeflateConfig::default())
        .client_offers()
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(
        offered,
        [
            "permessage-deflate; server_max_window_bits=13; client_max_window_bits=13",
            // A server that cannot keep to 13 bits declines the first
            // (RFC 7692 section 7.1.2.1) and may take this one.
            "permessage-deflate; client_max_window_bits"
        ]
    );
}

#[test]
fn a_default_server_limits_both_windows_where_it_may() {
    let answer = |offer: &str| server_answer(DeflateConfig::default(), offer);
    // Browsers' offers.
    assert_eq!(
        answer("permessage-deflate; client_max_window_bits").as_deref(),
        Some("permessage-deflate; server_max_window_bits=13; client_max_window_bits=13")
    );
    // A client that did not offer client_max_window_bits may not be limited
    // (section 7.1.2.2); the server still says what it compresses with.
    assert_eq!(
        answer("permessage-deflate").as_deref(),
        Some("permessage-deflate; server_max_window_bits=13")
    );
    // Less than ours is honoured, more is brought down.
    assert_eq!(
        answer("permessage-deflate; server_max_window_bits=10; client_max_window_bits=15").as_deref(),
        Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=13")
    );
    assert_eq!(
        answer("permessage-deflate; client_max_window_bits=11").as_deref(),
        Some("permessage-deflate; server_max_window_bits=13; client_max_window_bits=11")
    );
    // A full-window client's offer.
    let full: Vec<String> = PerMessageDeflate::new(DeflateConfig::FULL_WINDOW)
        .client_offers()
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(
        answer(&full.join(", ")).as_deref(),
        Some("permessage-deflate; server_max_window_bits=13; client_max_window_bits=13")
    );
}

#[test]
fn two_ends_at_the_defaults_agree_on_13_bits_both_ways() {
    let client_offers = PerMessageDeflate::new(DeflateConfig::default()).client_offers();
    let mut server = PerMessageDeflate::new(DeflateConfig::default());
    let answer = server.server_accept(&client_offers).unwrap().unwrap();
    assert_eq!(
        answer.to_string(),
        "permessage-deflate; server_max_window_bits=13; client_max_window_bits=13"
    );
    PerMessageDeflate::new(DeflateConfig::default()).client_accept(&answer).unwrap();
    // A full-window server takes the same first offer, limited as asked.
    let answer = PerMessageDeflate::new(DeflateConfig::FULL_WINDOW).server_accept(&client_offers).unwrap();
    assert_eq!(
        answer.unwrap().to_string(),
        "permessage-deflate; server_max_window_bits=13; client_max_window_bits=13"
    );
}

#[test]
fn a_default_client_accepts_a_server_that_took_the_fallback() {
    // A plain answer: the server compresses with up to 15 bits, which this
    // client then inflates with (tests/windows.rs sends it such data).
    let mut client = PerMessageDeflate::new(DeflateConfig::default());
    client.client_accept(&offers("permessage-deflate")[0]).unwrap();
    let mut client = PerMessageDeflate::new(DeflateConfig::default());
    client.client_accept(&offers("permessage-deflate; client_max_window_bits=15")[0]).unwrap();
}
