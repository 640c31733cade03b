//! Text-like messages for measuring compression ratio, made
//! deterministically (no files, no network): chat messages as JSON,
//! English-like prose of 1 to 16 KiB a message, and batches of log lines.
//! Shared by the ratio test and the bench, with the negotiated pair both
//! compress with.

use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Extension;

/// A server and a client with `config` both, negotiated as a handshake
/// would, compressing every message.
pub(crate) fn pair(config: DeflateConfig) -> (PerMessageDeflate, PerMessageDeflate) {
    let config = DeflateConfig { threshold: 0, ..config };
    let (mut server, mut client) = (PerMessageDeflate::new(config), PerMessageDeflate::new(config));
    let answer = server.server_accept(&client.client_offers()).unwrap().expect("accepted");
    client.client_accept(&answer).unwrap();
    (server, client)
}

/// xorshift64: the same sequence on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An index into a list ranked by frequency, the first most likely
    /// (Zipf's law, as word frequencies in English follow).
    fn zipf(&mut self, n: usize) -> usize {
        // Inverse of the continuous 1/r distribution over 1..=n.
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let r = ((n as f64 + 1.0).powf(u) - 1.0) as usize;
        r.min(n - 1)
    }
}

/// The most common English words, most frequent first.
const WORDS: &str = "the of and to a in is it you that he was for on are with as I his they be at one have \
this from or had by hot word but what some we can out other were all there when up use your how said an \
each she which do their time if will way about many then them write would like so these her long make \
thing see him two has look more day could go come did number sound no most people my over know water \
than call first who may down side been now find any new work part take get place made live where after \
back little only round man year came show every good me give our under name very through just form \
sentence great think say help low line differ turn cause much mean before move right boy old too same \
tell does set three want air well also play small end put home read hand port large spell add even land \
here must big high such follow act why ask men change went light kind off need house picture try us \
again animal point mother world near build self earth father head stand own page should country found \
answer school grow study still learn plant cover food sun four between state keep eye never last let \
thought city tree cross farm hard start might story saw far sea draw left late run while press close \
night real life few north open seem together next white children begin got walk example ease paper \
group always music those both mark often letter until mile river car feet care second book carry took \
science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face \
wood main enough plain girl usual young ready above ever red list though feel talk bird soon body dog \
family direct pose leave song measure door product black short numeral class wind question happen \
complete ship area half rock order fire south problem piece told knew pass since top whole king space \
heard best hour better true during hundred five remember step early hold west ground interest reach fast \
verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern \
slow center love person money serve appear road map rain rule govern pull cold notice voice unit power \
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct \
able pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm \
free minute strong special mind behind clear tail produce fact street inch multiply nothing course stay \
wheel full force blue object decide surface deep moon island foot system busy test record boat common \
gold possible plane stead dry wonder laugh thousand ago ran check game shape equate miss brought heat \
snow tire bring yes distant fill east paint language among";

fn words() -> Vec<&'static str> {
    WORDS.split_whitespace().collect()
}

/// A sentence of 4 to 24 words, capitalised, ending in a full stop (now
/// and then a comma inside).
fn sentence(rng: &mut Rng, words: &[&str], out: &mut String) {
    let n = 4 + rng.below(21);
    for i in 0..n {
        let word = words[rng.zipf(words.len())];
        if i == 0 {
            let mut chars = word.chars();
            let first = chars.next().expect("a word").to_ascii_uppercase();
            out.push(first);
            out.push_str(chars.as_str());
        } else {
            out.push_str(word);
        }
        if i + 1 == n {
            out.push_str(if rng.below(8) == 0 { "? " } else { ". " });
        } else if rng.below(10) == 0 {
            out.push_str(", ");
        } else {
            out.push(' ');
        }
    }
}

/// Chat messages as a JSON API sends them: the same keys every time, a
/// few users and channels, a sentence or two of text. 100-400 bytes each.
pub(crate) fn chat(count: usize) -> Vec<Vec<u8>> {
    const USERS: [&str; 8] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
    const CHANNELS: [&str; 4] = ["general", "random", "engineering", "support"];
    let mut rng = Rng::new(0x6a09_e667_f3bc_c908);
    let words = words();
    let mut ts = 1_700_000_000_000u64;
    (0..count)
        .map(|i| {
            let mut text = String::new();
            for _ in 0..1 + rng.below(2) {
                sentence(&mut rng, &words, &mut text);
            }
            ts += 200 + rng.below(60_000) as u64;
            let user = rng.below(USERS.len());
            format!(
                r#"{{"type":"message","id":{},"channel":"{}","user":{{"id":{},"name":"{}","online":true}},"text":"{}","ts":{},"reactions":[]}}"#,
                100_000 + i,
                CHANNELS[rng.below(CHANNELS.len())],
                1000 + user,
                USERS[user],
                text.trim_end(),
                ts
            )
            .into_bytes()
        })
        .collect()
}

/// English-like prose, one message of 1, 2, 4, 8 or 16 KiB at a time.
pub(crate) fn prose(count: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(0xbb67_ae85_84ca_a73b);
    let words = words();
    (0..count)
        .map(|_| {
            let len = 1024 << rng.below(5);
            let mut text = String::new();
            while text.len() < len {
                sentence(&mut rng, &words, &mut text);
                if rng.below(6) == 0 {
                    text.push_str("\n\n");
                }
            }
            text.truncate(len);
            text.into_bytes()
        })
        .collect()
}

/// Batches of 8 to 64 log lines: timestamps, levels, a few services and
/// routes, request ids, status codes and durations.
pub(crate) fn logs(count: usize) -> Vec<Vec<u8>> {
    const LEVELS: [&str; 4] = ["INFO", "INFO", "DEBUG", "WARN"];
    const SERVICES: [&str; 5] = ["api", "auth", "billing", "search", "gateway"];
    const ROUTES: [&str; 6] =
        ["/api/v1/users", "/api/v1/orders", "/api/v1/search", "/login", "/health", "/api/v1/items"];
    const METHODS: [&str; 3] = ["GET", "GET", "POST"];
    const STATUS: [u16; 5] = [200, 200, 200, 404, 500];
    let mut rng = Rng::new(0x3c6e_f372_fe94_f82b);
    let mut ms = 0u64;
    (0..count)
        .map(|_| {
            let mut batch = String::new();
            for _ in 0..8 + rng.below(57) {
                ms += rng.below(50) as u64;
                let (h, m, s) = (ms / 3_600_000 % 24, ms / 60_000 % 60, ms / 1000 % 60);
                batch.push_str(&format!(
                    "2024-05-01T{h:02}:{m:02}:{s:02}.{:03}Z {} [{}-{}] request_id={:08x} {} {}/{} {} {}ms\n",
                    ms % 1000,
                    LEVELS[rng.below(LEVELS.len())],
                    SERVICES[rng.below(SERVICES.len())],
                    rng.below(4),
                    rng.next() as u32,
                    METHODS[rng.below(METHODS.len())],
                    ROUTES[rng.below(ROUTES.len())],
                    rng.below(10_000),
                    STATUS[rng.below(STATUS.len())],
                    1 + rng.below(250),
                ));
            }
            batch.into_bytes()
        })
        .collect()
}

/// The three kinds, by name, each about 256-512 KiB in all.
pub(crate) fn all() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    vec![("chat (JSON)", chat(2000)), ("prose (1-16 KiB)", prose(64)), ("logs", logs(200))]
}
