//! Runs data message payloads through the negotiated extensions: in stack
//! order on the way out, in reverse on the way in (RFC 6455 section 9.1).

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Rsv};
use noio_ws_registry::{Extension, ExtensionError, ExtensionStack};

use crate::ProtocolError;
use crate::growth::reserve_bounded;

/// The most output room an extension is given per call: bounded memory
/// per step, whatever the compression ratio.
const STEP: usize = 64 << 10;

/// The output room for one call of an extension's `decode`, made in
/// `output` beforehand so the extension never grows it by doubling: at most
/// `cap` bytes past `start` in all (`None`: no cap), at most [`STEP`] at a
/// time.
fn make_room(output: &mut BytesMut, start: usize, cap: Option<usize>) -> usize {
    let produced = output.len() - start;
    let room = cap.map_or(STEP, |cap| cap.saturating_sub(produced).min(STEP));
    let bound = cap.map_or(usize::MAX, |cap| start.saturating_add(cap));
    reserve_bounded(output, room, bound);
    room
}

/// The error for an extension that took no input and gave no output though
/// it was not drained: calling it again would loop forever.
fn no_progress() -> ProtocolError {
    let reason = "extension made no progress on its input";
    ExtensionError::new(CloseCode::INTERNAL_ERROR, reason).into()
}

/// `budget` plus the one byte that shows output went past it, as a `usize`
/// cap on output; `None` when no output size could reach it.
fn output_cap(budget: u64) -> Option<usize> {
    usize::try_from(budget.saturating_add(1)).ok().filter(|&cap| cap != usize::MAX)
}

/// The extensions that apply to one message: bit `i` for the stack's `i`th.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ActiveExtensions(u32);

impl ActiveExtensions {
    pub(crate) const fn is_empty(self) -> bool {
        self.0 == 0
    }

    const fn contains(self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }
}

/// Asks each extension whether it transforms the message whose first
/// frame has `header`. Extensions see the header without its key: the
/// payload they get is unmasked, and the receive path may have written the
/// key as zeros when it unmasked the payload on the way in, which would make
/// what they see depend on how the input was cut.
pub(crate) fn begin_decode(
    stack: &mut ExtensionStack,
    header: &FrameHeader,
) -> Result<ActiveExtensions, ExtensionError> {
    let header = header.with_mask(None);
    let mut active = 0;
    for (i, extension) in stack.iter_mut().enumerate().take(32) {
        if extension.begin_decode(&header)? {
            active |= 1 << i;
        }
    }
    Ok(ActiveExtensions(active))
}

/// Decodes one piece of a message's payload through its extensions, last to
/// first, appending the result to `out`. `budget` is how many more bytes the
/// message may grow by: output past it fails with 1009 having spent at most
/// one byte more.
pub(crate) fn decode_into(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    mut data: Bytes,
    end: bool,
    budget: u64,
    out: &mut BytesMut,
) -> Result<(), ProtocolError> {
    let cap = output_cap(budget);
    // The first extension of the stack decodes last: straight into `out`.
    let last = (0..stack.len()).find(|&i| active.contains(i));
    for (i, extension) in stack.iter_mut().enumerate().rev() {
        if !active.contains(i) || (data.is_empty() && !end) {
            continue;
        }
        if Some(i) == last {
            // With the cap at the budget plus one byte, the cap is never
            // reached without failing first: the data is always finished with.
            return run_decode(extension, &data, end, out, budget, cap).map(drop);
        }
        let mut output = BytesMut::new();
        run_decode(extension, &data, end, &mut output, budget, cap)?;
        data = output.freeze();
    }
    Ok(())
}

/// Runs one extension over `data`, appending to `out` at most `cap` bytes
/// (`None`: no cap); returns how much of `data` it used and whether `data`
/// is finished with. It stops early only when the cap is reached with
/// output still to come; output past `budget` fails with 1009.
fn run_decode(
    extension: &mut dyn Extension,
    data: &[u8],
    end: bool,
    out: &mut BytesMut,
    budget: u64,
    cap: Option<usize>,
) -> Result<(usize, bool), ProtocolError> {
    let start = out.len();
    let mut consumed = 0;
    // Called even with no input: a previous call may have left output behind.
    loop {
        let room = make_room(out, start, cap);
        if room == 0 {
            // The chunk is full; the caller comes back for the rest.
            return Ok((consumed, false));
        }
        let progress = extension.decode(&data[consumed..], end, out, room)?;
        consumed = consumed.saturating_add(progress.consumed).min(data.len());
        if (out.len() - start) as u64 > budget {
            return Err(ProtocolError::MessageTooLong { max: budget });
        }
        if progress.drained && consumed == data.len() {
            return Ok((consumed, true));
        }
        if progress.consumed == 0 && progress.produced == 0 {
            return Err(no_progress());
        }
    }
}

/// Decodes at most `limit` bytes of output from `data` through the
/// message's extensions; returns the output, how much of `data` it used and
/// whether `data` is finished with. With one active extension (the usual
/// case) this bounds each step; a chain of several decodes `data` whole.
pub(crate) fn decode_bounded(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    data: &Bytes,
    end: bool,
    budget: u64,
    limit: usize,
) -> Result<(Bytes, usize, bool), ProtocolError> {
    let mut indices = (0..stack.len()).filter(|&i| active.contains(i));
    let mut output = BytesMut::new();
    let (Some(only), None) = (indices.next(), indices.next()) else {
        decode_into(stack, active, data.clone(), end, budget, &mut output)?;
        return Ok((output.freeze(), data.len(), true));
    };
    let Some(extension) = stack.iter_mut().nth(only) else {
        return Err(no_progress());
    };
    let limit = limit.max(1);
    let cap = output_cap(budget).map_or(limit, |cap| cap.min(limit));
    let (consumed, finished) = run_decode(extension, data, end, &mut output, budget, Some(cap))?;
    Ok((output.freeze(), consumed, finished))
}

/// Asks each extension whether it transforms an outgoing message of type
/// `opcode`; returns those that do and the reserved bits they set.
pub(crate) fn begin_encode(
    stack: &mut ExtensionStack,
    opcode: OpCode,
    len_hint: Option<usize>,
) -> Result<(ActiveExtensions, Rsv), ExtensionError> {
    let (mut active, mut rsv) = (0, Rsv::NONE);
    for (i, extension) in stack.iter_mut().enumerate().take(32) {
        if let Some(bits) = extension.begin_encode(opcode, len_hint)? {
            active |= 1 << i;
            rsv |= bits;
        }
    }
    Ok((ActiveExtensions(active), rsv))
}

/// Encodes one piece of an outgoing message's payload, first to last.
pub(crate) fn encode(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    mut data: Bytes,
    end: bool,
) -> Result<Bytes, ExtensionError> {
    for (i, extension) in stack.iter_mut().enumerate() {
        if active.contains(i) {
            let mut output = BytesMut::with_capacity(data.len());
            extension.encode(&data, end, &mut output)?;
            data = output.freeze();
        }
    }
    Ok(data)
}
