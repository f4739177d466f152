//! OAuth 2.0 for app connections (PRODUCT.md C4): access tokens by the client credentials
//! grant, or by refresh tokens from an authorization code grant (as Zoho One requires), cached
//! per app and renewed shortly before they expire; the authorization URL and the callback's
//! code exchange; the operator's settings with the Zoho shorthand.
//!
//! Secrets (client secret, refresh token, access token, authorization code) are held as
//! [`crate::connector::Secret`] or inside the sealed [`scimitar_core::OAuthSettings`]: this
//! module never logs, prints or returns one to a caller that shows things. Refresh tokens are
//! stored only through the app administration, which seals them.

pub mod authorize;
mod endpoint;
mod options;
mod source;
mod store;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_state;

pub use authorize::{callback_url, Authorization, CALLBACK_PATH};
pub use endpoint::{authorization_url, request_token, TokenAnswer, TokenError};
pub use options::OAuthOptions;
pub use source::{AppLabel, TokenSource, TokenStore, REFRESH_EARLY};
pub use store::{token_source, AppTokenStore};
