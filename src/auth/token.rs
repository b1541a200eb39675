//! Random secrets. Tokens handed to people carry 128+ random bits and are
//! stored only as their SHA-256.

use sha2::{Digest, Sha256};

use crate::error::AppError;

pub fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// A URL-safe random token of 256 bits.
pub fn new_token() -> Result<String, AppError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// An HMAC-SHA256 keyed with the app's secret over `message`: for values
/// that must be recognised later without being stored (stop-email links)
/// or must not be guessable from a copy of the database (sign-in codes).
pub fn keyed_mac(secret: &[u8], message: &str) -> Result<hmac::Hmac<Sha256>, AppError> {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|e| AppError::internal(format!("secret key: {e}")))?;
    mac.update(message.as_bytes());
    Ok(mac)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable password for generated accounts (the demo facilitator): five
/// groups of four letters and digits, about 100 bits.
pub fn new_readable_password() -> Result<String, AppError> {
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
    fn readable_passwords_have_groups() {
        let p = new_readable_password().unwrap();
        assert_eq!(p.len(), 24);
        assert_eq!(p.split('-').count(), 5);
    }
}
