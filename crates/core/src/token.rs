//! Bearer tokens: random, shown once, stored as a SHA-256 digest (they carry 256 bits of
//! entropy, so a fast hash is the right tool; argon2 would only slow every request down).

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// May call `/scim/v2` for its tenant.
    Scim,
    /// May call the admin API for its tenant (and `/scim/v2`).
    Admin,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Scim => "scim",
            TokenScope::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scim" => Some(TokenScope::Scim),
            "admin" => Some(TokenScope::Admin),
            _ => None,
        }
    }
}

/// A stored token (never the secret itself).
#[derive(Debug, Clone)]
pub struct Token {
    pub id: String,
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub label: Option<String>,
    pub scope: TokenScope,
    pub created: String,
    pub revoked_at: Option<String>,
}

/// A newly generated secret and its digest. The secret is shown once and dropped.
pub struct NewSecret {
    pub secret: String,
    pub digest: String,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("secret", &"<redacted>")
            .field("digest", &self.digest)
            .finish()
    }
}

pub fn generate_secret() -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!(
        "scim_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let digest = digest_secret(&secret);
    NewSecret { secret, digest }
}

pub fn digest_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A short public identifier for a token, for `token list` / `token revoke`.
pub fn generate_token_id() -> String {
    let mut bytes = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("tok_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_digest_is_stable() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.digest, digest_secret(&a.secret));
        assert!(a.secret.len() > 40);
        assert!(!format!("{a:?}").contains(&a.secret));
    }
}
