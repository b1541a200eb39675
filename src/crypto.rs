//! Secrets, and nothing else of attune's: random tokens and bytes, their
//! hashes, keyed MACs, and password hashing. Tokens handed to people carry
//! 256 random bits and are stored only as their SHA-256; passwords are
//! hashed with argon2id (the crate's recommended parameters).
//!
//! This file imports no other part of attune, so anything may use it.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// Why a secret could not be made: the system had no randomness, the key
/// was unusable, or the hasher failed. Never the person's fault.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("no randomness: {0}")]
    Randomness(getrandom::Error),
    #[error("secret key: {0}")]
    Key(hmac::digest::InvalidLength),
    #[error("password hash: {0}")]
    Hash(String),
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(CryptoError::Randomness)?;
    Ok(buf)
}

/// A URL-safe random token of 256 bits.
pub fn new_token() -> Result<String, CryptoError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// A short random token of 128 bits, 22 URL-safe characters (base64url
/// without padding): for links that must fit in a text message and end
/// within days (an RSVP link ends when its meeting starts).
pub fn new_short_token() -> Result<String, CryptoError> {
    Ok(base64url(&random_bytes::<16>()?))
}

/// Whether `token` looks like one of [`new_short_token`]'s.
pub fn is_short_token(token: &str) -> bool {
    token.len() == 22
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An HMAC-SHA256 keyed with the app's secret over `message`: for values
/// that must be recognised later without being stored (stop-email links)
/// or must not be guessable from a copy of the database (sign-in codes).
pub fn keyed_mac(secret: &[u8], message: &str) -> Result<hmac::Hmac<Sha256>, CryptoError> {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(CryptoError::Key)?;
    mac.update(message.as_bytes());
    Ok(mac)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable password for generated accounts (the demo facilitator): five
/// groups of four letters and digits, about 100 bits.
pub fn new_readable_password() -> Result<String, CryptoError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = random_bytes::<20>()?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    let salt = random_bytes::<16>()?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn short_tokens_are_22_url_safe_characters() {
        let a = new_short_token().unwrap();
        assert_eq!(a.len(), 22);
        assert!(is_short_token(&a));
        assert_ne!(a, new_short_token().unwrap());
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64url(b"Man"), "TWFu");
        assert!(!is_short_token("too short"));
        assert!(!is_short_token("aaaaaaaaaaaaaaaaaaaaa/"));
    }

    #[test]
    fn readable_passwords_have_groups() {
        let p = new_readable_password().unwrap();
        assert_eq!(p.len(), 24);
        assert_eq!(p.split('-').count(), 5);
    }

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("wrong horse battery", &a));
        assert!(!verify_password("anything", "not a hash"));
    }
}
