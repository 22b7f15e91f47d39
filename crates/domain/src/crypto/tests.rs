use super::*;
use proptest::prelude::*;
use sm4::cipher::BlockCipherEncrypt;

/// A master secret for tests.
const SECRET_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// Another master secret for tests.
const SECRET_2: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdeffedcba9876543210";

/// A keyring file with `keys` (id, hex) and `primary`.
fn file(primary: &str, keys: &[(&str, &str)]) -> String {
    let mut out = format!("primary = \"{primary}\"\n[keys]\n");
    for (id, hex) in keys {
        out.push_str(&format!("\"{id}\" = \"{hex}\"\n"));
    }
    out
}

/// The keyring with k1 = SECRET_1 as primary.
fn ring_1() -> Keyring {
    Keyring::parse(&file("k1", &[("k1", SECRET_1)])).unwrap()
}

/// The subkey HMAC-SM3(master, label), computed here independently of the
/// module.
fn subkey(master_hex: &str, label: &str) -> [u8; 32] {
    let master = hex::decode(master_hex).unwrap();
    let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&master).unwrap();
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The tag of `iv || ciphertext` under key `id` as the module documents it.
fn reference_tag(master_hex: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sm3> as KeyInit>::new_from_slice(&subkey(master_hex, "gongzhi hmac-sm3")).unwrap();
    mac.update(b"sm4:");
    mac.update(id.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// `bytes` sealed under key `id` with `iv` as the module documents it.
fn reference_seal(master_hex: &str, id: &str, iv: [u8; 16], bytes: &[u8]) -> String {
    let enc = subkey(master_hex, "gongzhi sm4-ctr");
    let mut cipher =
        ctr::Ctr128BE::<Sm4>::new_from_slices(&enc[..16], &iv).expect("16-byte key and IV");
    let mut body = iv.to_vec();
    let mut ciphertext = bytes.to_vec();
    cipher.apply_keystream(&mut ciphertext);
    body.extend_from_slice(&ciphertext);
    let tag = reference_tag(master_hex, id, &body);
    body.extend_from_slice(&tag);
    format!("sm4:{id}:{}", URL_SAFE_NO_PAD.encode(&body))
}

/// The payload bytes of sealed text.
fn payload(sealed: &str) -> Vec<u8> {
    let (_, encoded) = parts(sealed).unwrap();
    URL_SAFE_NO_PAD.decode(encoded).unwrap()
}

/// Sealed text with the payload replaced by `bytes`.
fn with_payload(sealed: &str, bytes: &[u8]) -> String {
    let (id, _) = parts(sealed).unwrap();
    format!("sm4:{id}:{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[test]
fn sm4_block_matches_the_gb_t_32907_example() {
    let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
    let cipher = <Sm4 as KeyInit>::new_from_slice(&key).unwrap();
    let mut block: [u8; 16] = key.as_slice().try_into().unwrap();
    cipher.encrypt_block((&mut block).into());
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
}

#[test]
fn hmac_sm3_matches_gm_t_0042_appendix_d3() {
    let key: Vec<u8> = (1..=32).collect();
    let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".repeat(2);
    let tag = hmac_sm3(&key).chain_update(message.as_bytes()).finalize();
    assert_eq!(
        hex::encode(tag.into_bytes()),
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"
    );
}

#[test]
fn hmac_sm3_matches_the_bouncy_castle_hi_there_vector() {
    let tag = hmac_sm3(&[0x0b; 20]).chain_update(b"Hi There").finalize();
    assert_eq!(
        hex::encode(tag.into_bytes()),
        "51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70"
    );
}

#[test]
fn seal_follows_the_documented_construction() {
    // Longer than one block, so that the counter's order matters.
    let text = "北京市朝阳区建国路 88 号, 13800138000";
    let ring = ring_1();
    let sealed = ring.seal(text);
    let bytes = payload(&sealed);
    assert!(sealed.starts_with("sm4:k1:"));
    assert_eq!(bytes.len(), 16 + text.len() + 32);
    let (body, tag) = bytes.split_at(bytes.len() - 32);
    assert_eq!(tag, reference_tag(SECRET_1, "k1", body).as_slice());
    let iv: [u8; 16] = body[..16].try_into().unwrap();
    assert_eq!(
        reference_seal(SECRET_1, "k1", iv, text.as_bytes()),
        sealed,
        "the ciphertext is SM4-CTR under the derived key"
    );
}

#[test]
fn opens_text_sealed_by_the_documented_construction() {
    let text = "张三, 北京市朝阳区建国路 88 号";
    let sealed = reference_seal(SECRET_1, "k1", [7; 16], text.as_bytes());
    assert_eq!(ring_1().open(&sealed), Ok(text.to_owned()));
}

#[test]
fn blind_index_is_hmac_sm3_under_the_index_subkey() {
    let index_key = subkey(SECRET_1, "gongzhi blind index");
    let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&index_key).unwrap();
    mac.update(b"13800138000");
    assert_eq!(
        ring_1().blind_index("13800138000"),
        hex::encode(mac.finalize().into_bytes())
    );
}

#[test]
fn round_trips_chinese_and_empty_text() {
    let ring = Keyring::generate();
    for text in ["", "张三", "北京市朝阳区建国路 88 号", "110105194912310021"] {
        assert_eq!(ring.open(&ring.seal(text)), Ok(text.to_owned()));
    }
}

#[test]
fn refuses_text_that_is_not_utf8() {
    let sealed = reference_seal(SECRET_1, "k1", [1; 16], &[0xff, 0xfe, 0x80]);
    assert_eq!(ring_1().open(&sealed), Err(CryptoError::NotText));
}

#[test]
fn refuses_text_that_is_not_sealed() {
    let ring = ring_1();
    for text in ["13800138000", "", "sm4:", "sm4:k1", "sm4:k1:", "sm4::AAAA"] {
        assert!(
            matches!(ring.open(text), Err(CryptoError::Malformed(_))),
            "{text:?}"
        );
    }
    assert!(matches!(
        ring.open("sm4:k1:not+base64"),
        Err(CryptoError::Malformed(_))
    ));
    assert!(matches!(
        ring.open(&format!("sm4:k1:{}", URL_SAFE_NO_PAD.encode([0u8; 47]))),
        Err(CryptoError::Malformed(m)) if m.contains("47 bytes")
    ));
}

#[test]
fn is_sealed_tells_sealed_text_from_plaintext() {
    let ring = Keyring::generate();
    assert!(is_sealed(&ring.seal("张三")));
    assert!(is_sealed(&ring.seal("")));
    for text in [
        "张三",
        "13800138000",
        "",
        "sm4:",
        "sm4:k1:",
        "sm4:k 1:AAAA",
        "SM4:k1:AAAA",
    ] {
        assert!(!is_sealed(text), "{text:?}");
    }
}

#[test]
fn rotation_keeps_old_text_open_and_marks_it_stale() {
    let mut ring = Keyring::generate();
    let old = ring.seal("13800138000");
    assert!(!ring.is_stale(&old));
    assert_eq!(ring.rotate(), "k2");
    assert_eq!(ring.primary(), "k2");
    assert_eq!(ring.ids(), ["k1", "k2"]);
    let new = ring.seal("13900139000");
    assert!(new.starts_with("sm4:k2:"));
    assert_eq!(ring.open(&old), Ok("13800138000".to_owned()));
    assert!(ring.is_stale(&old));
    assert!(!ring.is_stale(&new));
    assert!(!ring.is_stale("13800138000"), "plaintext is not stale");

    let reread = Keyring::parse(&ring.to_toml()).unwrap();
    assert_eq!(reread, ring);
    assert_eq!(reread.open(&old), Ok("13800138000".to_owned()));
    assert_eq!(reread.open(&new), Ok("13900139000".to_owned()));
}

#[test]
fn a_keyring_without_the_old_key_refuses_its_text() {
    let sealed = ring_1().seal("张三");
    let without_k1 = Keyring::parse(&file("k2", &[("k2", SECRET_2)])).unwrap();
    assert_eq!(
        without_k1.open(&sealed),
        Err(CryptoError::UnknownKey("k1".to_owned()))
    );
    let other_k1 = Keyring::parse(&file("k1", &[("k1", SECRET_2)])).unwrap();
    assert_eq!(other_k1.open(&sealed), Err(CryptoError::Forged));
}

#[test]
fn rotate_takes_the_next_free_number() {
    let mut ring = Keyring::parse(&file(
        "x9",
        &[
            ("k1", SECRET_1),
            ("k7", SECRET_2),
            ("x9", SECRET_1),
            ("kk", SECRET_2),
        ],
    ))
    .unwrap();
    assert_eq!(ring.rotate(), "k8");
    assert_eq!(ring.rotate(), "k9");
    assert_eq!(ring.primary(), "k9");
    assert_eq!(ring.ids(), ["k1", "k7", "k8", "k9", "kk", "x9"]);
}

#[test]
fn rotated_keys_are_fresh() {
    let mut ring = Keyring::generate();
    let before = ring.blind_index("13800138000");
    ring.rotate();
    assert_ne!(ring.blind_index("13800138000"), before);
    assert_ne!(Keyring::generate(), Keyring::generate());
}

#[test]
fn to_toml_is_the_documented_file() {
    let ring = Keyring::parse(&file("k2", &[("k2", SECRET_2), ("k1", SECRET_1)])).unwrap();
    assert_eq!(
        ring.to_toml(),
        format!(
            "# gongzhi personal-data keys. Keep this file off the database host's backups.\n\
             primary = \"k2\"\n[keys]\nk1 = \"{SECRET_1}\"\nk2 = \"{SECRET_2}\"\n"
        )
    );
    assert_eq!(Keyring::parse(&ring.to_toml()).unwrap(), ring);
}

#[test]
fn debug_shows_ids_but_never_secrets() {
    let ring = Keyring::parse(&file("k2", &[("k1", SECRET_1), ("k2", SECRET_2)])).unwrap();
    let shown = format!("{ring:?}");
    assert_eq!(shown, r#"Keyring { primary: "k2", ids: ["k1", "k2"] }"#);
    let generated = Keyring::generate();
    let toml = generated.to_toml();
    let secret = toml.lines().last().unwrap().split('"').nth(1).unwrap();
    assert!(!format!("{generated:?}").contains(secret));
    assert!(!format!("{generated:#?}").contains(secret));
}

#[test]
fn blind_index_is_stable_per_key_and_differs_between_keys() {
    let text = file("k1", &[("k1", SECRET_1)]);
    let a = Keyring::parse(&text).unwrap();
    let b = Keyring::parse(&text).unwrap();
    let other = Keyring::parse(&file("k1", &[("k1", SECRET_2)])).unwrap();
    let index = a.blind_index("13800138000");
    assert_eq!(index.len(), 64);
    assert!(
        index
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(b.blind_index("13800138000"), index);
    assert_ne!(other.blind_index("13800138000"), index);
    assert_ne!(a.blind_index("13900139000"), index);
}

#[test]
fn parse_refuses_secrets_that_are_not_hex() {
    let bad = format!("zz{}", &SECRET_1[2..]);
    let err = Keyring::parse(&file("k1", &[("k1", &bad)])).unwrap_err();
    assert!(matches!(&err, KeyringError::NotHex { id, .. } if id == "k1"));
    assert!(err.to_string().contains("\"k1\""), "{err}");
    let odd = Keyring::parse(&file("k1", &[("k1", &SECRET_1[1..])])).unwrap_err();
    assert!(matches!(&odd, KeyringError::NotHex { id, .. } if id == "k1"));
}

#[test]
fn parse_refuses_secrets_of_the_wrong_length() {
    let err = Keyring::parse(&file("k1", &[("k1", &SECRET_1[..62])])).unwrap_err();
    assert_eq!(
        err,
        KeyringError::WrongLength {
            id: "k1".to_owned(),
            found: 31
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("\"k1\"") && message.contains("31 bytes") && message.contains("32 bytes"),
        "{message}"
    );
}

#[test]
fn parse_refuses_a_primary_that_is_not_a_key() {
    let err = Keyring::parse(&file("k9", &[("k1", SECRET_1)])).unwrap_err();
    assert_eq!(err, KeyringError::PrimaryMissing("k9".to_owned()));
    assert!(err.to_string().contains("\"k9\""), "{err}");
}

#[test]
fn parse_refuses_a_keyring_without_keys() {
    assert_eq!(Keyring::parse(&file("k1", &[])), Err(KeyringError::NoKeys));
    assert_eq!(
        Keyring::parse("primary = \"k1\"\n"),
        Err(KeyringError::NoKeys)
    );
}

#[test]
fn parse_refuses_bad_key_ids() {
    let long = "k".repeat(33);
    for id in ["k 1", "k:1", "", "密钥", long.as_str()] {
        let err = Keyring::parse(&file(id, &[(id, SECRET_1)])).unwrap_err();
        assert_eq!(err, KeyringError::BadId(id.to_owned()));
        assert!(err.to_string().contains(&format!("{id:?}")), "{err}");
    }
    let longest = "k".repeat(32);
    assert!(Keyring::parse(&file(&longest, &[(&longest, SECRET_1)])).is_ok());
}

#[test]
fn parse_reports_toml_errors_without_echoing_secrets() {
    let text = format!("primary = \"k1\"\n[keys]\nk1 = \"{SECRET_1}\nk2 = 1\n");
    let err = Keyring::parse(&text).unwrap_err();
    let KeyringError::Toml(message) = &err else {
        panic!("expected a TOML error, got {err:?}");
    };
    assert!(message.starts_with("line 3: "), "{message}");
    assert!(!message.contains(SECRET_1), "{message}");

    let unknown =
        Keyring::parse(&format!("primay = \"k1\"\n[keys]\nk1 = \"{SECRET_1}\"\n")).unwrap_err();
    assert!(
        matches!(&unknown, KeyringError::Toml(m) if m.contains("primay")),
        "{unknown:?}"
    );
}

proptest! {
    #[test]
    fn seal_then_open_gives_the_text_back(text in any::<String>()) {
        let ring = ring_1();
        prop_assert_eq!(ring.open(&ring.seal(&text)), Ok(text));
    }

    #[test]
    fn two_seals_of_one_text_differ(text in any::<String>()) {
        let ring = ring_1();
        prop_assert_ne!(ring.seal(&text), ring.seal(&text));
    }

    #[test]
    fn sealed_text_never_shows_the_plaintext(text in "[0-9]{4,24}") {
        let sealed = ring_1().seal(&text);
        prop_assert!(!sealed.contains(&text), "{} in {}", text, sealed);
        prop_assert!(sealed.is_ascii());
    }

    #[test]
    fn a_flipped_payload_byte_is_forged(
        text in any::<String>(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let ring = ring_1();
        let sealed = ring.seal(&text);
        let mut bytes = payload(&sealed);
        let i = at.index(bytes.len());
        bytes[i] ^= mask;
        prop_assert_eq!(ring.open(&with_payload(&sealed, &bytes)), Err(CryptoError::Forged));
    }

    #[test]
    fn a_changed_payload_character_is_refused(
        text in any::<String>(),
        at in any::<prop::sample::Index>(),
        replacement in prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=:.!"
                .chars()
                .collect::<Vec<_>>(),
        ),
    ) {
        let ring = ring_1();
        let sealed = ring.seal(&text);
        let start = "sm4:k1:".len();
        let i = start + at.index(sealed.len() - start);
        prop_assume!(!sealed[i..].starts_with(replacement));
        let mut changed = sealed[..i].to_owned();
        changed.push(replacement);
        changed.push_str(&sealed[i + 1..]);
        let result = ring.open(&changed);
        prop_assert!(
            matches!(result, Err(CryptoError::Forged | CryptoError::Malformed(_))),
            "{:?}",
            result
        );
    }

    #[test]
    fn a_changed_key_id_is_refused(text in any::<String>(), id in "[A-Za-z0-9_-]{1,32}") {
        let ring = Keyring::parse(&file("k1", &[("k1", SECRET_1), ("k2", SECRET_2)])).unwrap();
        let sealed = ring.seal(&text);
        let moved = sealed.replacen("sm4:k1:", &format!("sm4:{id}:"), 1);
        let result = ring.open(&moved);
        match id.as_str() {
            "k1" => prop_assert_eq!(result, Ok(text)),
            "k2" => prop_assert_eq!(result, Err(CryptoError::Forged)),
            _ => prop_assert_eq!(result, Err(CryptoError::UnknownKey(id.clone()))),
        }
        let bad = sealed.replacen("sm4:k1:", "sm4:k!:", 1);
        prop_assert!(matches!(ring.open(&bad), Err(CryptoError::Malformed(_))));
    }

    #[test]
    fn truncated_text_is_refused(text in any::<String>(), at in any::<prop::sample::Index>()) {
        let ring = ring_1();
        let sealed = ring.seal(&text);
        let cut = &sealed[..at.index(sealed.len())];
        let result = ring.open(cut);
        prop_assert!(
            matches!(result, Err(CryptoError::Forged | CryptoError::Malformed(_))),
            "{:?}",
            result
        );
        let bytes = payload(&sealed);
        let shorter = with_payload(&sealed, &bytes[..at.index(bytes.len())]);
        let result = ring.open(&shorter);
        prop_assert!(
            matches!(result, Err(CryptoError::Forged | CryptoError::Malformed(_))),
            "{:?}",
            result
        );
    }
}
