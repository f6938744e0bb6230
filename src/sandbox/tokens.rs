//! Encoded authorization messages: the decoded JSON sealed with ChaCha20-Poly1305 under a key
//! only this sandbox holds, in the base64url alphabet. Like AWS's, a token is opaque: only this
//! sandbox's STS can open it, and any tampering is detected.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use memchr::memmem::Finder;

/// Substrings every decoded message repeats, each replaced by one control byte (`0x01`…) before
/// sealing: JSON text never holds raw control characters, so the substitution is reversible, and
/// it keeps tokens near real ones' length while halving the bytes to encrypt.
const DICTIONARY: &[&str] = &[
    "{\"allowed\":false,\"explicitDeny\":",
    ",\"matchedStatements\":{\"items\":[",
    "]},\"failures\":{\"items\":[]},\"context\":{\"principal\":{\"id\":\"",
    "\",\"arn\":\"arn:aws:sts::",
    ":assumed-role/",
    "\"},\"action\":\"",
    "\",\"resource\":\"",
    "\",\"conditions\":{\"items\":[",
    "{\"key\":\"",
    "\",\"values\":{\"items\":[{\"value\":\"",
    "\"}]}}",
    "arn:aws:",
    "AWSBackup",
    "aws:",
    "amazonaws.com",
];

/// Marks a plaintext stored as is (it held control bytes, so no substitution was made).
const RAW: u8 = 0;
/// Marks a plaintext with [`DICTIONARY`] substitutions.
const COMPACT: u8 = 1;

/// One substring finder per [`DICTIONARY`] entry, built once (a token is sealed per failed job,
/// 100,000 of them at a `--jobs 100000` start-up).
static FINDERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    DICTIONARY
        .iter()
        .map(|e| Finder::new(e.as_bytes()))
        .collect()
});

fn compact(text: &str) -> Vec<u8> {
    if text.bytes().any(|b| b < 0x20) {
        let mut out = vec![RAW];
        out.extend_from_slice(text.as_bytes());
        return out;
    }
    // Entry by entry, each replacing its non-overlapping occurrences left to right in what the
    // earlier entries left (what `str::replace` in turn would give, without its allocations).
    let mut compacted = text.as_bytes().to_vec();
    let mut next = Vec::with_capacity(compacted.len());
    for (i, finder) in FINDERS.iter().enumerate() {
        let mut rest = 0;
        next.clear();
        for at in finder.find_iter(&compacted) {
            next.extend_from_slice(&compacted[rest..at]);
            next.push(i as u8 + 1);
            rest = at + finder.needle().len();
        }
        if rest > 0 {
            next.extend_from_slice(&compacted[rest..]);
            std::mem::swap(&mut compacted, &mut next);
        }
    }
    let mut out = Vec::with_capacity(compacted.len() + 1);
    out.push(COMPACT);
    out.extend_from_slice(&compacted);
    out
}

fn expand(bytes: &[u8]) -> Option<String> {
    let (flag, body) = bytes.split_first()?;
    let text = std::str::from_utf8(body).ok()?;
    match *flag {
        RAW => Some(text.to_string()),
        COMPACT => {
            let mut out = String::with_capacity(text.len() * 2);
            for c in text.chars() {
                match (c as usize).checked_sub(1).and_then(|i| DICTIONARY.get(i)) {
                    Some(entry) if (c as u32) < 0x20 => out.push_str(entry),
                    _ => out.push(c),
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Why a token could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidToken;

/// Seals and opens encoded messages under one per-sandbox key.
pub struct TokenSealer {
    cipher: ChaCha20Poly1305,
    /// Distinct per token: a nonce must never repeat under one key.
    counter: AtomicU64,
    instance: u32,
}

impl std::fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSealer { key: <hidden> }")
    }
}

impl TokenSealer {
    /// A sealer with a fresh random key.
    pub fn new() -> Self {
        let key: [u8; 32] = rand::random();
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
            counter: AtomicU64::new(0),
            instance: rand::random(),
        }
    }

    /// Seals `decoded` (the decoded message JSON) into a token.
    pub fn seal(&self, decoded: &str) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.instance.to_be_bytes());
        nonce[4..].copy_from_slice(&count.to_be_bytes());
        // Encryption with a valid key and nonce cannot fail for inputs far below ChaCha20's
        // 256 GiB message limit; an empty ciphertext would then simply not decode.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), compact(decoded).as_slice())
            .unwrap_or_default();
        let mut bytes = Vec::with_capacity(12 + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Opens a token sealed by this sandbox.
    pub fn open(&self, token: &str) -> Result<String, InvalidToken> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim().trim_end_matches('='))
            .map_err(|_| InvalidToken)?;
        if bytes.len() < 12 + 16 {
            return Err(InvalidToken);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| InvalidToken)?;
        expand(&plain).ok_or(InvalidToken)
    }
}

impl Default for TokenSealer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_is_reversible() {
        let article = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AROA:AWSBackup-R","arn":"arn:aws:sts::1:assumed-role/R/AWSBackup-R"},"action":"iam:PassRole","resource":"arn:aws:iam::1:role/X","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}}]}}}"#;
        let packed = compact(article);
        assert!(
            packed.len() < article.len() / 2,
            "{} of {}",
            packed.len(),
            article.len()
        );
        assert_eq!(expand(&packed).as_deref(), Some(article));
        for text in ["", "plain", "tab\there \u{1} raw", "é ü \"aws:\" arn:aws:"] {
            assert_eq!(expand(&compact(text)).as_deref(), Some(text));
        }
        assert_eq!(expand(&[7, b'x']), None);
    }

    /// The substitution as first written, with `str::replace`: the reference `compact` keeps.
    fn compact_by_replace(text: &str) -> Vec<u8> {
        if text.bytes().any(|b| b < 0x20) {
            return [&[RAW], text.as_bytes()].concat();
        }
        let mut compacted = text.to_string();
        for (i, entry) in DICTIONARY.iter().enumerate() {
            compacted = compacted.replace(entry, &char::from(i as u8 + 1).to_string());
        }
        [&[COMPACT], compacted.as_bytes()].concat()
    }

    #[test]
    fn compaction_is_what_str_replace_gave() {
        let article = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AROA:AWSBackup-R","arn":"arn:aws:sts::1:assumed-role/R/AWSBackup-R"},"action":"iam:PassRole","resource":"arn:aws:iam::1:role/X","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}}]}}}"#;
        for text in [
            article,
            "",
            "aws:aws:aws:",
            "arn:aws:arn:aws",
            "amazonaws.comamazonaws.com",
            "\"}]}}\"}]}}",
        ] {
            assert_eq!(compact(text), compact_by_replace(text), "{text}");
        }
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let sealer = TokenSealer::new();
        let message = r#"{"allowed":false,"explicitDeny":false}"#;
        let token = sealer.seal(message);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(sealer.open(&token).unwrap(), message);
        let second = sealer.seal(message);
        assert_ne!(token, second, "nonces differ");

        let mut tampered: Vec<char> = token.chars().collect();
        let i = tampered.len() / 2;
        tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        assert_eq!(sealer.open(&tampered), Err(InvalidToken));
        assert_eq!(
            sealer.open("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            Err(InvalidToken)
        );
        assert_eq!(sealer.open("not base64!"), Err(InvalidToken));
        assert_eq!(
            TokenSealer::new().open(&token),
            Err(InvalidToken),
            "foreign key"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips_and_any_token_is_safe(text in "\\PC*", junk in ".*") {
            let sealer = TokenSealer::new();
            proptest::prop_assert_eq!(expand(&compact(&text)), Some(text.clone()));
            proptest::prop_assert_eq!(compact(&text), compact_by_replace(&text));
            proptest::prop_assert_eq!(sealer.open(&sealer.seal(&text)), Ok(text));
            let _ = sealer.open(&junk);
        }

        #[test]
        fn dictionary_heavy_text_compacts_as_str_replace_did(
            picks in proptest::collection::vec((0..DICTIONARY.len(), "[a-z:\"{},\\[\\]/]{0,3}"), 0..16)
        ) {
            let text: String = picks.iter().map(|(i, filler)| format!("{}{filler}", DICTIONARY[*i])).collect();
            proptest::prop_assert_eq!(compact(&text), compact_by_replace(&text));
            proptest::prop_assert_eq!(expand(&compact(&text)), Some(text));
        }
    }
}
