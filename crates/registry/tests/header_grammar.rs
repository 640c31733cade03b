//! Property tests for the extension header grammar: writing offers and
//! parsing them back is the identity.

use noio_ws_registry::{ExtensionOffer, ExtensionParam, format_extensions, parse_extensions, parse_tokens};
use proptest::prelude::*;

const TOKEN: &str = "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}";

fn offer() -> impl Strategy<Value = ExtensionOffer> {
    let param = (TOKEN, proptest::option::of(TOKEN)).prop_map(|(name, value)| ExtensionParam { name, value });
    (TOKEN, prop::collection::vec(param, 0..4)).prop_map(|(name, params)| ExtensionOffer { name, params })
}

proptest! {
    #[test]
    fn format_then_parse_is_identity(offers in prop::collection::vec(offer(), 0..5)) {
        prop_assert_eq!(parse_extensions(&format_extensions(&offers)).unwrap(), offers);
    }

    #[test]
    fn quoting_a_token_value_changes_nothing(name in TOKEN, value in TOKEN) {
        let quoted = format!("ext; {name}=\"{value}\"");
        let offers = parse_extensions(&quoted).unwrap();
        prop_assert_eq!(offers[0].params[0].value.as_deref(), Some(value.as_str()));
    }

    #[test]
    fn token_lists_round_trip(tokens in prop::collection::vec(TOKEN, 0..6)) {
        let joined = tokens.join(" , ");
        prop_assert_eq!(parse_tokens(&joined).unwrap(), tokens);
    }

    #[test]
    fn parsing_never_panics(value in "\\PC{0,60}") {
        let _ = parse_extensions(&value);
        let _ = parse_tokens(&value);
    }
}
