//! Custom opcodes: names for the reserved data (3-7) and control (11-15)
//! opcodes, per connection.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use noio_ws_codec::OpCode;

use crate::RegistryError;

/// The opcodes one connection understands beyond RFC 6455's own.
///
/// A value, never global state: each connection gets its own copy. The
/// Python noio_ws `Connection(role, {3: 'latin-1'}, {11: 'compare'})` is
///
/// ```
/// use noio_ws_registry::OpcodeRegistry;
///
/// let mut opcodes = OpcodeRegistry::new();
/// let latin1 = opcodes.register_data(3, "latin-1")?;
/// let compare = opcodes.register_control(11, "compare")?;
/// assert_eq!(opcodes.by_name("latin-1"), Some(latin1));
/// assert_eq!(opcodes.name(compare), "compare");
/// assert_eq!(opcodes.name(noio_ws_codec::OpCode::CONTINUATION), "continue");
/// assert_eq!(opcodes.by_name("text"), Some(noio_ws_codec::OpCode::TEXT));
/// # Ok::<(), noio_ws_registry::RegistryError>(())
/// ```
///
/// Empty, it holds no allocation; lookups scan at most ten entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpcodeRegistry {
    custom: Vec<(OpCode, Box<str>)>,
}

impl OpcodeRegistry {
    /// A registry with no custom opcodes.
    pub const fn new() -> Self {
        OpcodeRegistry { custom: Vec::new() }
    }

    /// Names the reserved data opcode `code` (3-7).
    pub fn register_data(&mut self, code: u8, name: impl Into<String>) -> Result<OpCode, RegistryError> {
        match OpCode::new(code) {
            Some(op) if op.is_data() && op.is_reserved() => self.insert(op, name.into()),
            _ => Err(RegistryError::NotACustomDataOpcode(code)),
        }
    }

    /// Names the reserved control opcode `code` (11-15).
    pub fn register_control(&mut self, code: u8, name: impl Into<String>) -> Result<OpCode, RegistryError> {
        match OpCode::new(code) {
            Some(op) if op.is_control() && op.is_reserved() => self.insert(op, name.into()),
            _ => Err(RegistryError::NotACustomControlOpcode(code)),
        }
    }

    /// A registry built from a description: `(code, name)` pairs, each a
    /// data (3-7) or control (11-15) opcode by its code. The Python noio_ws
    /// `Connection(role, {3: 'latin-1'}, {11: 'compare'})` is
    /// `OpcodeRegistry::from_names([(3, "latin-1"), (11, "compare")])`.
    ///
    /// ```
    /// use noio_ws_registry::OpcodeRegistry;
    ///
    /// let opcodes = OpcodeRegistry::from_names([(3, "latin-1"), (11, "compare")])?;
    /// assert_eq!(opcodes.iter().map(|(op, name)| (op.value(), name)).collect::<Vec<_>>(),
    ///            [(3, "latin-1"), (11, "compare")]);
    /// // A registry is a value: clone it for the other end of a test.
    /// let peer = opcodes.clone();
    /// assert_eq!(peer, opcodes);
    /// # Ok::<(), noio_ws_registry::RegistryError>(())
    /// ```
    pub fn from_names<'a>(
        description: impl IntoIterator<Item = (u8, &'a str)>,
    ) -> Result<Self, RegistryError> {
        let mut registry = OpcodeRegistry::new();
        for (code, name) in description {
            if matches!(code, 11..=15) {
                registry.register_control(code, name)?;
            } else {
                registry.register_data(code, name)?;
            }
        }
        Ok(registry)
    }

    fn insert(&mut self, op: OpCode, name: String) -> Result<OpCode, RegistryError> {
        if self.is_registered(op) {
            return Err(RegistryError::OpcodeTaken(op));
        }
        // A name of RFC 6455's (or "reserved-N", which names an opcode
        // until it is registered) would make names ambiguous.
        if self.by_name(&name).is_some() || name.starts_with("reserved-") {
            return Err(RegistryError::NameTaken(name));
        }
        self.custom.push((op, name.into_boxed_str()));
        Ok(op)
    }

    /// True when `op` is one of this registry's custom opcodes.
    pub fn is_registered(&self, op: OpCode) -> bool {
        self.custom.iter().any(|(o, _)| *o == op)
    }

    /// True when a frame with `op` may be received: an RFC 6455 opcode or a
    /// registered custom one.
    pub fn is_known(&self, op: OpCode) -> bool {
        !op.is_reserved() || self.is_registered(op)
    }

    /// The name of `op`, never failing (the Python noio_ws `.type`): the
    /// registered one for a custom opcode, else [`OpCode::name`]: RFC 6455's
    /// (`"text"`, `"continue"` ...) or `"reserved-N"`.
    pub fn name(&self, op: OpCode) -> &str {
        match self.custom.iter().find(|(o, _)| *o == op) {
            Some((_, name)) => name,
            None => op.name(),
        }
    }

    /// The opcode called `name`: RFC 6455's (`"continuation"` as well as
    /// `"continue"`) or a registered one.
    pub fn by_name(&self, name: &str) -> Option<OpCode> {
        OpCode::from_name(name).or_else(|| self.custom.iter().find(|(_, n)| &**n == name).map(|(o, _)| *o))
    }

    /// The custom opcodes and their names, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (OpCode, &str)> {
        self.custom.iter().map(|(o, n)| (*o, &**n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_registers_each_code_by_its_class() {
        let r = OpcodeRegistry::from_names([(3, "latin-1"), (15, "fifteen")]).unwrap();
        assert_eq!(r.name(OpCode::new(3).unwrap()), "latin-1");
        assert!(OpCode::new(15).is_some_and(|op| op.is_control() && r.is_registered(op)));
        assert_eq!(OpcodeRegistry::from_names([(9, "x")]), Err(RegistryError::NotACustomDataOpcode(9)));
        let taken = OpcodeRegistry::from_names([(3, "a"), (3, "b")]);
        assert_eq!(taken, Err(RegistryError::OpcodeTaken(OpCode::new(3).unwrap())));
    }

    #[test]
    fn ranges_are_enforced_by_class() {
        let mut r = OpcodeRegistry::new();
        for code in [0, 1, 2, 8, 11, 16] {
            assert_eq!(r.register_data(code, "x"), Err(RegistryError::NotACustomDataOpcode(code)));
        }
        for code in [3, 7, 8, 9, 10, 16, 200] {
            assert_eq!(r.register_control(code, "x"), Err(RegistryError::NotACustomControlOpcode(code)));
        }
        assert!(r.register_data(7, "seven").is_ok());
        assert!(r.register_control(15, "fifteen").is_ok());
    }

    #[test]
    fn codes_and_names_register_once() {
        let mut r = OpcodeRegistry::new();
        let op = r.register_data(3, "latin-1").unwrap();
        assert_eq!(r.register_data(3, "other"), Err(RegistryError::OpcodeTaken(op)));
        assert_eq!(r.register_control(12, "latin-1"), Err(RegistryError::NameTaken("latin-1".into())));
        assert_eq!(r.register_data(4, "text"), Err(RegistryError::NameTaken("text".into())));
        assert!(r.is_known(op) && r.is_known(OpCode::PING));
        assert!(!r.is_known(OpCode::new(4).unwrap()));
        assert_eq!(r.iter().collect::<Vec<_>>(), [(op, "latin-1")]);
        assert_eq!(r.register_data(5, "continuation"), Err(RegistryError::NameTaken("continuation".into())));
        assert_eq!(r.register_data(5, "reserved-6"), Err(RegistryError::NameTaken("reserved-6".into())));
    }

    #[test]
    fn every_opcode_has_a_name_and_names_parse_back() {
        let mut r = OpcodeRegistry::new();
        let latin1 = r.register_data(3, "latin-1").unwrap();
        for op in (0..=15).filter_map(OpCode::new) {
            let name = r.name(op);
            assert!(!name.is_empty());
            if r.is_known(op) {
                assert_eq!(r.by_name(name), Some(op), "{name}");
            }
        }
        assert_eq!(r.name(latin1), "latin-1");
        assert_eq!(r.name(OpCode::CONTINUATION), "continue");
        assert_eq!(r.by_name("continuation"), Some(OpCode::CONTINUATION));
        assert_eq!(r.name(OpCode::new(4).unwrap()), "reserved-4");
        assert_eq!(r.by_name("reserved-4"), None, "unregistered reserved opcodes are not sendable by name");
    }
}
