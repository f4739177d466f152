//! App credentials at rest (PRODUCT.md C10): a bearer token or password for a connected app is
//! sealed with ChaCha20-Poly1305 before it reaches the database, and opened only when a
//! connector needs it. The key never lives in the database: it comes from the operator
//! (`SCIMITAR_SECRET_KEY`) or from a key file beside the embedded database, so a copy of the
//! database alone (a backup, a dump) does not reveal any app's credentials.
//!
//! Each sealed value is bound to what it belongs to (the associated data, e.g. the app's id),
//! so a sealed token cannot be copied from one app's row to another's and still open.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

/// Format marker of a sealed value, so the scheme can change without ambiguity.
const VERSION: &str = "v1";

/// The 256-bit key that seals app credentials.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes in standard base64 (44 characters), as `openssl rand -base64 32` prints")]
    BadKey,
    #[error("the value is too large to seal")]
    TooLarge,
    #[error("a sealed credential is damaged or was sealed with a different secret key: set the key this database was used with (SCIMITAR_SECRET_KEY or the key file)")]
    CannotOpen,
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        SecretKey(k)
    }

    /// A key from its base64 text (surrounding white space ignored).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = B64.decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(SecretKey(key))
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Seal `plaintext` for `context` (what it belongs to): `v1:<nonce>:<ciphertext>`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, SecretError> {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        // Encryption only fails for inputs beyond ChaCha20's 256 GiB limit.
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| SecretError::TooLarge)?;
        Ok(format!(
            "{VERSION}:{}:{}",
            B64.encode(nonce),
            B64.encode(sealed)
        ))
    }

    /// Open a value sealed by [`SecretKey::seal`] for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SecretError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(VERSION), Some(nonce), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretError::CannotOpen);
        };
        let nonce = B64.decode(nonce).map_err(|_| SecretError::CannotOpen)?;
        let body = B64.decode(body).map_err(|_| SecretError::CannotOpen)?;
        if nonce.len() != 12 {
            return Err(SecretError::CannotOpen);
        }
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::CannotOpen)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"tok-123", "app:a1").unwrap();
        assert!(!sealed.contains("tok-123"));
        assert_eq!(key.open(&sealed, "app:a1").unwrap(), b"tok-123");
        assert_eq!(key.open(&sealed, "app:a2"), Err(SecretError::CannotOpen));
        let other = SecretKey::generate();
        assert_eq!(other.open(&sealed, "app:a1"), Err(SecretError::CannotOpen));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(key.open(&tampered, "app:a1"), Err(SecretError::CannotOpen));
        assert_eq!(key.open("garbage", "app:a1"), Err(SecretError::CannotOpen));
        // Two seals of the same value differ (random nonce).
        assert_ne!(sealed, key.seal(b"tok-123", "app:a1").unwrap());
    }

    #[test]
    fn keys_round_trip_through_base64_and_bad_keys_are_refused() {
        let key = SecretKey::generate();
        let again = SecretKey::from_base64(&format!(" {}\n", key.to_base64())).unwrap();
        let sealed = key.seal(b"x", "c").unwrap();
        assert_eq!(again.open(&sealed, "c").unwrap(), b"x");
        assert_eq!(
            SecretKey::from_base64("c2hvcnQ=").unwrap_err(),
            SecretError::BadKey
        );
        assert_eq!(
            SecretKey::from_base64("not base64!").unwrap_err(),
            SecretError::BadKey
        );
        assert_eq!(format!("{key:?}"), "SecretKey(redacted)");
    }
}
