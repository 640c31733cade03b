//! The async examples, `echo_server` and `client`, as a new user runs them:
//! the same tests the blocking examples pass
//! (`noio_ws_test_support::echo_examples`).

use noio_ws_test_support::echo_examples::Examples;

const EXAMPLES: Examples =
    Examples { package: "noio-ws-tokio", server: "echo_server", client: "client", features: &[] };

noio_ws_test_support::echo_example_tests!(EXAMPLES);
