//! The blocking examples, `echo_server_blocking` and `client_blocking`, as
//! a new user runs them: the tests every echo server example passes
//! (`noio_ws_test_support::echo_examples`).

use noio_ws_test_support::echo_examples::Examples;

const EXAMPLES: Examples =
    Examples { package: "noio-ws", server: "echo_server_blocking", client: "client_blocking", features: &[] };

noio_ws_test_support::echo_example_tests!(EXAMPLES);
