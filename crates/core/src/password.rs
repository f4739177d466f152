//! Password hashing with argon2. Passwords are write-only: hashed on the way in, never returned.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;

use crate::error::CoreError;

/// Hash a cleartext password (PHC string). CPU-heavy: runs on the blocking pool.
pub async fn hash_password(cleartext: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(cleartext.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(format!("hashing task: {e}")))?
}
