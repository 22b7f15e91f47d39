//! Personal data at rest (个人信息加密存储): reporters' names, phone numbers
//! and identity card numbers are sealed with SM4 (GB/T 32907) before they
//! reach the database, and looked up by a keyed SM3 hash (a "blind index")
//! instead of by their plaintext.
//!
//! # Keys
//!
//! Keys live in a keyring read from a file or an environment variable,
//! never from the database, so a stolen database or backup opens nothing.
//! The keyring is TOML:
//!
//! ```toml
//! # gongzhi personal-data keys. Keep this file off the database host's backups.
//! primary = "k2"
//! [keys]
//! k1 = "<64 hex characters: a 32-byte master secret>"
//! k2 = "<64 hex characters>"
//! ```
//!
//! New text is sealed under the primary key; text sealed under any key of
//! the ring still opens, so keys can be rotated by adding a key, making it
//! primary and re-sealing what [`Crypto::is_stale`] reports.
//!
//! # Construction
//!
//! From each 32-byte master secret three subkeys are derived with
//! HMAC-SM3(master, label): the SM4 key is the first 16 bytes under
//! `"gongzhi sm4-ctr"`, the MAC key is the whole output under
//! `"gongzhi hmac-sm3"` and the blind-index key the whole output under
//! `"gongzhi blind index"`. Sealing encrypts the UTF-8 plaintext with SM4
//! in CTR mode (128-bit big-endian counter) from a random 16-byte IV, then
//! authenticates (encrypt-then-MAC) with HMAC-SM3 over
//! `"sm4:" || key id || ":" || iv || ciphertext`, so neither the key id nor
//! the ciphertext can be changed unnoticed. The sealed text is
//!
//! ```text
//! sm4:<key id>:<base64url without padding of iv(16) || ciphertext || tag(32)>
//! ```
//!
//! ASCII only, safe in JSON and SQL text columns. The ciphertext has the
//! plaintext's length, which is therefore not hidden. A blind index is
//! HMAC-SM3 under the primary key's index subkey, in lower-case hex: equal
//! values give equal indexes under one key, and nothing else can be learnt
//! from it without the key.
//!
//! SM3 and SM4 here are unaudited software implementations, which is why
//! the rest of gongzhi reaches them only through the [`Crypto`] trait.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sm3::Sm3;
use sm4::Sm4;
use zeroize::Zeroize;

/// What every sealed text starts with.
const PREFIX: &str = "sm4:";
/// Bytes of the random IV at the front of a payload.
const IV_LEN: usize = 16;
/// Bytes of the HMAC-SM3 tag at the end of a payload.
const TAG_LEN: usize = 32;
/// Bytes of a master secret.
const SECRET_LEN: usize = 32;
/// The longest key id.
const MAX_ID_LEN: usize = 32;
/// The comment heading a keyring file.
const FILE_COMMENT: &str =
    "# gongzhi personal-data keys. Keep this file off the database host's backups.";

/// SM4 in CTR mode with a 128-bit big-endian counter.
type Sm4Ctr = ctr::Ctr128BE<Sm4>;

/// Seals and opens personal data; computes blind indexes.
pub trait Crypto: Send + Sync + fmt::Debug {
    /// Encrypts `plaintext` under the primary key. The result is ASCII
    /// text, safe in JSON and SQL text columns, of the form
    /// `sm4:<key id>:<base64url-no-pad of iv(16) || ciphertext || tag(32)>`.
    /// The IV is random, so two seals of one text differ.
    fn seal(&self, plaintext: &str) -> String;

    /// Decrypts what [`Crypto::seal`] produced with any key of the ring;
    /// refuses forged, truncated or unknown-key text.
    fn open(&self, sealed: &str) -> Result<String, CryptoError>;

    /// HMAC-SM3 under the primary key's index subkey, lower-case hex (64
    /// characters), of `value` as given (callers normalise first), so that
    /// a value can be found without storing it in the clear. Same value and
    /// same key give the same index; different keys give different indexes,
    /// so indexes must be recomputed when the primary key changes.
    fn blind_index(&self, value: &str) -> String;

    /// Whether `sealed` was sealed under a key other than the primary one,
    /// so that the rotation command knows what to re-seal. Text that is
    /// not sealed at all is not stale: see [`is_sealed`].
    fn is_stale(&self, sealed: &str) -> bool;
}

/// Whether `text` has the form of sealed text, to find plaintext left in a
/// database. The form only is checked: whether it opens is for
/// [`Crypto::open`] to say.
pub fn is_sealed(text: &str) -> bool {
    parts(text).is_ok()
}

/// Why sealed text did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Not of the sealed form; says why.
    #[error("sealed text is malformed: {0}")]
    Malformed(String),
    /// Sealed under a key the keyring does not have (the id).
    #[error("sealed text names key {0:?}, which is not in the keyring")]
    UnknownKey(String),
    /// The authentication tag does not match: the text was altered,
    /// truncated or sealed under another secret with the same key id.
    #[error("sealed text fails its integrity check: it was altered or sealed under another secret")]
    Forged,
    /// The tag matched but the plaintext is not UTF-8, so it was not sealed
    /// by [`Crypto::seal`].
    #[error("sealed text opened to bytes that are not UTF-8 text")]
    NotText,
}

/// Why a keyring file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// Not TOML of the keyring's form; carries the line and toml's message.
    #[error("keyring file is not valid: {0}")]
    Toml(String),
    /// `[keys]` is missing or empty.
    #[error("keyring has no keys: add at least one under [keys]")]
    NoKeys,
    /// A key id that is not 1 to 32 characters of `A-Z a-z 0-9 _ -`.
    #[error("key id {0:?} must be 1 to {MAX_ID_LEN} characters, each a letter, digit, '_' or '-'")]
    BadId(String),
    /// A secret that is not hexadecimal.
    #[error("key {id:?} is not hexadecimal: {reason}")]
    NotHex {
        /// The key's id.
        id: String,
        /// What the hex decoder found wrong.
        reason: String,
    },
    /// A secret that is not 32 bytes long.
    #[error(
        "key {id:?} is {found} bytes long, but a key must be {SECRET_LEN} bytes ({} hex characters)",
        SECRET_LEN * 2
    )]
    WrongLength {
        /// The key's id.
        id: String,
        /// Its length in bytes.
        found: usize,
    },
    /// `primary` names a key that is not under `[keys]`.
    #[error("primary key {0:?} is not among the keys")]
    PrimaryMissing(String),
}

/// The keys personal data is sealed under: master secrets by key id, and
/// the id of the primary key new text is sealed under.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    keys: BTreeMap<String, KeyMaterial>,
    primary: String,
}

/// A master secret and the subkeys derived from it.
#[derive(Clone, PartialEq, Eq)]
struct KeyMaterial {
    master: [u8; SECRET_LEN],
    enc: [u8; 16],
    mac: [u8; 32],
    index: [u8; 32],
}

/// The keyring file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyringFile {
    primary: String,
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

impl Keyring {
    /// Reads a keyring file (see the module documentation), refusing it
    /// whole if any key is unusable, so that a typo never silently drops a
    /// key that old text needs.
    pub fn parse(text: &str) -> Result<Keyring, KeyringError> {
        let file: KeyringFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(String::new(), |s| {
                format!("line {}: ", line_of(text, s.start))
            });
            KeyringError::Toml(format!("{line}{}", e.message()))
        })?;
        let result = Keyring::from_file(&file);
        for (_, mut hex) in file.keys {
            hex.zeroize();
        }
        result
    }

    /// A new keyring with one fresh random key, `k1`, as primary.
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails.
    pub fn generate() -> Keyring {
        let id = "k1".to_owned();
        let mut keys = BTreeMap::new();
        keys.insert(id.clone(), KeyMaterial::new(random_secret()));
        Keyring { keys, primary: id }
    }

    /// Adds a fresh random key and makes it primary, returning its id:
    /// `k<n+1>`, where `n` is the highest number among the ids of the form
    /// `k<digits>` (0 if none). Text sealed under the older keys still
    /// opens.
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails.
    pub fn rotate(&mut self) -> String {
        let highest = self
            .keys
            .keys()
            .filter_map(|id| id.strip_prefix('k'))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse::<u128>().ok())
            .max()
            .unwrap_or(0);
        let id = format!("k{}", highest + 1);
        self.keys
            .insert(id.clone(), KeyMaterial::new(random_secret()));
        self.primary.clone_from(&id);
        id
    }

    /// The keyring file, which [`Keyring::parse`] reads back equal. It holds
    /// the secrets: write it only where the keyring file belongs.
    pub fn to_toml(&self) -> String {
        let mut out = format!("{FILE_COMMENT}\nprimary = \"{}\"\n[keys]\n", self.primary);
        for (id, key) in &self.keys {
            out.push_str(&format!("{id} = \"{}\"\n", hex::encode(key.master)));
        }
        out
    }

    /// The id of the key new text is sealed under.
    pub fn primary(&self) -> &str {
        &self.primary
    }

    /// The ids of every key, in order.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.keys().map(String::as_str).collect()
    }

    /// The keyring a parsed file describes.
    fn from_file(file: &KeyringFile) -> Result<Keyring, KeyringError> {
        if file.keys.is_empty() {
            return Err(KeyringError::NoKeys);
        }
        let mut keys = BTreeMap::new();
        for (id, text) in &file.keys {
            if !valid_id(id) {
                return Err(KeyringError::BadId(id.clone()));
            }
            let mut bytes = hex::decode(text).map_err(|e| KeyringError::NotHex {
                id: id.clone(),
                reason: e.to_string(),
            })?;
            let master: Result<[u8; SECRET_LEN], _> = bytes.as_slice().try_into();
            let found = bytes.len();
            bytes.zeroize();
            let master = master.map_err(|_| KeyringError::WrongLength {
                id: id.clone(),
                found,
            })?;
            keys.insert(id.clone(), KeyMaterial::new(master));
        }
        if !keys.contains_key(&file.primary) {
            return Err(KeyringError::PrimaryMissing(file.primary.clone()));
        }
        Ok(Keyring {
            keys,
            primary: file.primary.clone(),
        })
    }

    /// The primary key's material.
    fn primary_key(&self) -> &KeyMaterial {
        &self.keys[&self.primary]
    }
}

impl Crypto for Keyring {
    fn seal(&self, plaintext: &str) -> String {
        let key = self.primary_key();
        let mut iv = [0u8; IV_LEN];
        fill_random(&mut iv);
        let mut payload = Vec::with_capacity(IV_LEN + plaintext.len() + TAG_LEN);
        payload.extend_from_slice(&iv);
        payload.extend_from_slice(plaintext.as_bytes());
        Sm4Ctr::new((&key.enc).into(), (&iv).into()).apply_keystream(&mut payload[IV_LEN..]);
        let tag = key.authenticator(&self.primary, &payload).finalize();
        payload.extend_from_slice(&tag.into_bytes());
        format!(
            "{PREFIX}{}:{}",
            self.primary,
            URL_SAFE_NO_PAD.encode(&payload)
        )
    }

    fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let (id, encoded) = parts(sealed)?;
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let payload = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|e| CryptoError::Malformed(format!("the payload is not base64url: {e}")))?;
        if payload.len() < IV_LEN + TAG_LEN {
            return Err(CryptoError::Malformed(format!(
                "the payload is {} bytes, shorter than the {} of an IV and a tag",
                payload.len(),
                IV_LEN + TAG_LEN
            )));
        }
        let (body, tag) = payload.split_at(payload.len() - TAG_LEN);
        key.authenticator(id, body)
            .verify_slice(tag)
            .map_err(|_| CryptoError::Forged)?;
        let (iv, ciphertext) = body.split_at(IV_LEN);
        let iv: &[u8; IV_LEN] = iv.try_into().expect("split at the IV's length");
        let mut plaintext = ciphertext.to_vec();
        Sm4Ctr::new((&key.enc).into(), iv.into()).apply_keystream(&mut plaintext);
        String::from_utf8(plaintext).map_err(|e| {
            e.into_bytes().zeroize();
            CryptoError::NotText
        })
    }

    fn blind_index(&self, value: &str) -> String {
        let tag = hmac_sm3(&self.primary_key().index)
            .chain_update(value.as_bytes())
            .finalize();
        hex::encode(tag.into_bytes())
    }

    fn is_stale(&self, sealed: &str) -> bool {
        parts(sealed).is_ok_and(|(id, _)| id != self.primary)
    }
}

impl fmt::Debug for Keyring {
    /// Ids and the primary only: the secrets never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("primary", &self.primary)
            .field("ids", &self.ids())
            .finish()
    }
}

impl KeyMaterial {
    /// Derives the subkeys of `master`.
    fn new(master: [u8; SECRET_LEN]) -> KeyMaterial {
        let derive = |label: &str| -> [u8; 32] {
            hmac_sm3(&master)
                .chain_update(label.as_bytes())
                .finalize()
                .into_bytes()
                .into()
        };
        let mut enc_full = derive("gongzhi sm4-ctr");
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&enc_full[..16]);
        enc_full.zeroize();
        KeyMaterial {
            master,
            enc,
            mac: derive("gongzhi hmac-sm3"),
            index: derive("gongzhi blind index"),
        }
    }

    /// The MAC of a payload's IV and ciphertext sealed under key `id`, not
    /// yet finalised.
    fn authenticator(&self, id: &str, body: &[u8]) -> Hmac<Sm3> {
        hmac_sm3(&self.mac)
            .chain_update(PREFIX.as_bytes())
            .chain_update(id.as_bytes())
            .chain_update(b":")
            .chain_update(body)
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        self.master.zeroize();
        self.enc.zeroize();
        self.mac.zeroize();
        self.index.zeroize();
    }
}

/// HMAC-SM3 keyed with `key`.
fn hmac_sm3(key: &[u8]) -> Hmac<Sm3> {
    <Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// The key id and the base64url payload of sealed text.
fn parts(sealed: &str) -> Result<(&str, &str), CryptoError> {
    let rest = sealed
        .strip_prefix(PREFIX)
        .ok_or_else(|| CryptoError::Malformed(format!("it does not start with {PREFIX:?}")))?;
    let (id, payload) = rest
        .split_once(':')
        .ok_or_else(|| CryptoError::Malformed("no ':' after the key id".to_owned()))?;
    if !valid_id(id) {
        return Err(CryptoError::Malformed(format!(
            "the key id {id:?} is not 1 to {MAX_ID_LEN} letters, digits, '_' or '-'"
        )));
    }
    if payload.is_empty() {
        return Err(CryptoError::Malformed("the payload is empty".to_owned()));
    }
    if !payload
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(CryptoError::Malformed(
            "the payload has a character outside base64url".to_owned(),
        ));
    }
    Ok((id, payload))
}

/// Whether `id` can name a key: 1 to 32 of `A-Z a-z 0-9 _ -`, so it never
/// holds the ':' that ends it in sealed text.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A fresh random master secret.
fn random_secret() -> [u8; SECRET_LEN] {
    let mut secret = [0u8; SECRET_LEN];
    fill_random(&mut secret);
    secret
}

/// Fills `buf` from the operating system's random source.
fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

#[cfg(test)]
mod tests;
