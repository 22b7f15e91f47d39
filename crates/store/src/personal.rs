//! Personal data at rest: reporters' names, phones and identity card
//! numbers are sealed ([`Crypto::seal`]) before they reach a row and opened
//! when read, and a phone is found by its keyed hash
//! ([`Crypto::blind_index`]) of the digits alone, so that `138 1234 5678`
//! and `+86 13812345678` are one person.

use crate::{StoreError, StoreResult};
use gongzhi_domain::crypto::{Crypto, is_sealed};
use gongzhi_domain::event::Reporter;

/// The digits of a phone number without a `+86` prefix: what its keyed
/// hash is taken of.
pub fn phone_digits(phone: &str) -> String {
    phone
        .trim()
        .trim_start_matches("+86")
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The keyed hash a phone number is found by.
pub fn phone_key(crypto: &dyn Crypto, phone: &str) -> String {
    crypto.blind_index(&phone_digits(phone))
}

/// `text` sealed.
fn seal(crypto: &dyn Crypto, text: &Option<String>) -> Option<String> {
    text.as_deref().map(|t| crypto.seal(t))
}

/// `text` opened; text stored before sealing began is read as it is
/// (the key rotation command seals it).
pub fn open(crypto: &dyn Crypto, text: Option<String>) -> StoreResult<Option<String>> {
    text.map(|t| {
        if is_sealed(&t) {
            crypto
                .open(&t)
                .map_err(|e| StoreError::Corrupt(format!("sealed personal data: {e}")))
        } else {
            Ok(t)
        }
    })
    .transpose()
}

/// The reporter as kept at rest.
pub fn seal_reporter(crypto: &dyn Crypto, reporter: &Reporter) -> Reporter {
    Reporter {
        name: seal(crypto, &reporter.name),
        phone: seal(crypto, &reporter.phone),
        id_number: seal(crypto, &reporter.id_number),
    }
}

/// The reporter as kept at rest, opened.
pub fn open_reporter(crypto: &dyn Crypto, reporter: Reporter) -> StoreResult<Reporter> {
    Ok(Reporter {
        name: open(crypto, reporter.name)?,
        phone: open(crypto, reporter.phone)?,
        id_number: open(crypto, reporter.id_number)?,
    })
}

/// Whether any field of a reporter at rest is plain or sealed under an
/// old key: what the key rotation command re-seals.
pub fn reporter_is_stale(crypto: &dyn Crypto, reporter: &Reporter) -> bool {
    [&reporter.name, &reporter.phone, &reporter.id_number]
        .into_iter()
        .flatten()
        .any(|t| !is_sealed(t) || crypto.is_stale(t))
}
